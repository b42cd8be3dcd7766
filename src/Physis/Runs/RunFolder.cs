using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Physis.Infrastructure;
using Physis.Training;

namespace Physis.Runs;

/// <summary>
/// What a run is, as far as resuming goes: its kind (pinn, eigen, operator), the problem or model it trains, the
/// problem's definition as text, and for data-driven runs the data file's absolute path, size and SHA-256. A resume
/// whose identity differs from the stored one is refused.
/// </summary>
public sealed record RunIdentity(string Kind, string Name, string? Definition = null, DataFingerprint? Data = null)
{
    /// <summary>The first difference from <paramref name="stored"/>, as a phrase; null when the two are the same run.</summary>
    public string? DifferenceFrom(RunIdentity stored)
    {
        if (Kind != stored.Kind) return $"it is a {stored.Kind} run, not a {Kind} run";
        if (Name != stored.Name) return $"it trained {stored.Name}, not {Name}";
        if (Definition != stored.Definition) return $"the definition of {Name} has changed since it started";
        if (Data is null || stored.Data is null) return Data == stored.Data ? null : "it was started with other data";
        return Data.DifferenceFrom(stored.Data);
    }
}

/// <summary>A data file as a run saw it: absolute path, size in bytes and SHA-256 of its contents.</summary>
public sealed record DataFingerprint(string Path, long Bytes, string Sha256)
{
    public static DataFingerprint Of(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"No data file at '{full}'.", full);
        using var stream = File.OpenRead(full);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
        return new DataFingerprint(full, stream.Length, hash);
    }

    public string? DifferenceFrom(DataFingerprint stored) =>
        Path != stored.Path ? $"it was trained on {stored.Path}, not {Path}"
        : Bytes != stored.Bytes || Sha256 != stored.Sha256 ? $"{Path} has changed since the run started (size or SHA-256 differ)"
        : null;
}

/// <summary>
/// The folder of one run, shared by PINN, eigenvalue and operator runs: settings.json (what the run is and the settings
/// it started with), the checkpoint, atomic outputs and run.json. Starting a run clears the previous run's outputs;
/// resuming checks that the stored run is the same run.
/// </summary>
public sealed class RunFolder(string path)
{
    public const string SettingsFile = "settings.json";
    public const string CheckpointFile = "checkpoint.bin";
    public const string RunFile = "run.json";

    /// <summary>snake_case names and enums, NaN allowed (a run without a test split records NaN test errors).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { TrainingMethodBinding.AddJsonTypes } },
    };

    public string Path { get; } = path;
    public string Checkpoint => File(CheckpointFile);

    /// <summary>A file of this run.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates the folder and proves it writable before any training time is spent.</summary>
    public void Prepare()
    {
        try
        {
            Directory.CreateDirectory(Path);
            string probe = File($".write-test-{Environment.ProcessId}");
            System.IO.File.WriteAllText(probe, "");
            System.IO.File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Output folder '{Path}' is not writable ({e.Message}).", e);
        }
    }

    /// <summary>What runs write: removed when a new run starts in a folder that held one, so no old plot passes for new.</summary>
    private static readonly string[] OutputPatterns = ["*.png", "*.npz", "*.csv", "*.bin", "*.ckpt", "*.vtr", "*.vtu", "*.pvd", RunFile,
        SettingsFile];
    private static readonly string[] OutputFolders = ["windows", Reporting.SolutionVtk.Name];

    /// <summary>
    /// Starts a new run here: prepares the folder, removes what a previous run left here (outputs, checkpoints, plots,
    /// ParaView files with their solution/, a time-marching run's windows/; other files are kept) and stores what the run
    /// is with its settings.
    /// </summary>
    public void Start<TSettings>(RunIdentity identity, TSettings settings)
    {
        Prepare();
        if (HasRun)
        {
            foreach (var file in OutputPatterns.SelectMany(p => Directory.EnumerateFiles(Path, p)).ToList()) System.IO.File.Delete(file);
            foreach (var folder in OutputFolders.Select(File).Where(Directory.Exists)) Directory.Delete(folder, recursive: true);
        }
        Store(identity, settings);
    }

    /// <summary>Stores what the run is and the settings it runs with.</summary>
    public void Store<TSettings>(RunIdentity identity, TSettings settings)
    {
        var stored = new JsonObject
        {
            ["run"] = JsonSerializer.SerializeToNode(identity, Json),
            ["settings"] = JsonSerializer.SerializeToNode(settings, Json),
        };
        AtomicFile.WriteAllText(File(SettingsFile), stored.ToJsonString(Json));
    }

    /// <summary>Replaces the stored settings of the run here, keeping what the run is (a resume that raised an iteration count).</summary>
    public void Restore<TSettings>(TSettings settings) => Store(Read<TSettings>().Identity, settings);

    /// <summary>True when an earlier run stored its settings here.</summary>
    public bool HasRun => System.IO.File.Exists(File(SettingsFile));

    /// <summary>
    /// The settings of the run stored here, after checking that it is the run <paramref name="identity"/> describes;
    /// throws an <see cref="ArgumentException"/> naming the difference otherwise.
    /// </summary>
    public TSettings Resume<TSettings>(RunIdentity identity)
    {
        var (stored, settings) = Read<TSettings>();
        if (identity.DifferenceFrom(stored) is { } difference)
            throw new ArgumentException($"The run in {Path} is not this run: {difference}. Start a new run in another folder.");
        return settings;
    }

    /// <summary>What is stored here: the run's identity and its settings.</summary>
    public (RunIdentity Identity, TSettings Settings) Read<TSettings>()
    {
        string file = File(SettingsFile);
        if (!System.IO.File.Exists(file)) throw new ArgumentException($"{Path} holds no {SettingsFile}: there is no run to resume.");
        try
        {
            var node = JsonNode.Parse(System.IO.File.ReadAllText(file));
            var identity = node?["run"]?.Deserialize<RunIdentity>(Json);
            var settings = node?["settings"] is { } stored ? stored.Deserialize<TSettings>(Json) : default;
            if (identity is null || settings is null) throw new JsonException("the run or its settings are missing");
            return (identity, settings);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file} cannot be read as a run's settings ({e.Message}); was it written by an older Physis?", e);
        }
    }

    /// <summary>Whether two settings are equal as stored (records compare lists such as layer widths by reference).</summary>
    public static bool Same<TSettings>(TSettings a, TSettings b) => JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json);

    /// <summary>Writes a JSON record (run.json and the like) atomically.</summary>
    public void WriteJson(string name, object record) => AtomicFile.WriteAllText(File(name), JsonSerializer.Serialize(record, Json));

    public void WriteText(string name, string text) => AtomicFile.WriteAllText(File(name), text);
}
