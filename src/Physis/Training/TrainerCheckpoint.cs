using System.Text.Json;
using System.Text.Json.Serialization;
using Physis.Infrastructure;
using static TorchSharp.torch;

namespace Physis.Training;

/// <summary>Writes a trainer's checkpoint every so many iterations and when a phase ends.</summary>
internal sealed class Checkpointing
{
    public Checkpointing(string path, int every)
    {
        if (every <= 0) throw new ArgumentException($"The checkpoint interval must be positive, got {every}.");
        (Path, Every) = (path, every);
    }

    public string Path { get; }
    public int Every { get; }

    public void AfterStep(PinnTrainer trainer)
    {
        if (trainer.Step % Every == 0) Save(trainer);
    }

    /// <summary>A finished phase is saved as the start of the next, so a resume does not run its end again.</summary>
    public void AtPhaseEnd(PinnTrainer trainer)
    {
        trainer.PhaseIndex++;
        trainer.PhaseStep = 0;
        Save(trainer);
        trainer.PhaseIndex--;
    }

    /// <summary>Rank 0 writes the checkpoint; the ranks hold the same state, and every rank resumes from that file.</summary>
    public void Save(PinnTrainer trainer)
    {
        if (trainer.Options.Communicator.IsRoot) TrainerCheckpoint.Save(trainer, Path);
    }
}

/// <summary>
/// A trainer's checkpoint: network parameters and buffers, the problem's parameters, the sampled points, the optimizer's
/// state, each method's state, the step counters, the seed and the loss history, in one <see cref="TensorArchive"/>.
/// </summary>
internal static class TrainerCheckpoint
{
    /// <summary>The counters, history and records; <see cref="PhaseEnds"/> and <see cref="Rollbacks"/> are null in older checkpoints.</summary>
    public sealed record Header(int Step, int PhaseIndex, int PhaseStep, string? Optimizer, int Seed, string[] LossTerms, List<LossRecord> History,
        List<PhaseEnd>? PhaseEnds = null, List<Rollback>? Rollbacks = null);

    // A diverged run's history holds NaN; the header must still be written.
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static void Save(PinnTrainer trainer, string path)
    {
        using var scope = NewDisposeScope();
        var (header, tensors) = Capture(trainer);
        TensorArchive.Save(path, JsonSerializer.Serialize(header, Json), tensors);
    }

    /// <summary>Everything a checkpoint holds, the tensors as the trainer's own (not copies) where it has them.</summary>
    public static (Header Header, Dictionary<string, Tensor> Tensors) Capture(PinnTrainer trainer)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, p) in trainer.Network.named_parameters()) tensors[$"network/{name}"] = p;
        // Fixed tensors of the network (for example the frequencies of Fourier features) travel with it.
        foreach (var (name, b) in trainer.Network.named_buffers()) tensors[$"network/{name}"] = b;
        foreach (var (p, value) in trainer.ParameterTensors) tensors[$"parameter/{p.Name}"] = value;
        foreach (var (name, t) in trainer.Batch.Save()) tensors[$"points/{name}"] = t;
        if (trainer.Optimizer is { } optimizer)
            foreach (var (name, t) in optimizer.SaveState()) tensors[$"optimizer/{name}"] = t;
        var methods = new Dictionary<string, Tensor>();
        foreach (var method in trainer.Methods) method.Save(methods);
        foreach (var (name, t) in methods) tensors[$"methods/{name}"] = t;
        var header = new Header(trainer.Step, trainer.PhaseIndex, trainer.PhaseStep, trainer.Optimizer?.Name, trainer.Seed,
            [.. trainer.LossTermNames], [.. trainer.History], [.. trainer.PhaseEnds], [.. trainer.Rollbacks]);
        return (header, tensors);
    }

    /// <summary>Restores everything but the history and the optimizer, which the trainer takes from the returned header and state.</summary>
    public static (Header Header, Dictionary<string, Tensor> OptimizerState) Load(PinnTrainer trainer, string path)
    {
        var (json, tensors) = TensorArchive.Load(path);
        var header = JsonSerializer.Deserialize<Header>(json, Json) ?? throw new InvalidDataException($"{path}: the checkpoint header is empty.");
        if (!header.LossTerms.SequenceEqual(trainer.LossTermNames))
            throw new InvalidDataException($"{path} was written for a problem with loss terms [{string.Join(", ", header.LossTerms)}], "
                + $"not [{string.Join(", ", trainer.LossTermNames)}].");
        return (header, Restore(trainer, header, tensors, path));
    }

    /// <summary>Sets the network, parameters, points, counters and methods from a capture; returns the optimizer's state.</summary>
    public static Dictionary<string, Tensor> Restore(PinnTrainer trainer, Header header, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        using (no_grad())
        {
            foreach (var (name, p) in trainer.Network.named_parameters())
                p.copy_(tensors.TryGetValue($"network/{name}", out var saved) ? saved
                    : throw new InvalidDataException($"{source} lacks network parameter '{name}': was it written for another architecture?"));
            foreach (var (name, b) in trainer.Network.named_buffers())
                if (tensors.TryGetValue($"network/{name}", out var saved)) b.copy_(saved);
            foreach (var (p, value) in trainer.ParameterTensors) value.copy_(tensors[$"parameter/{p.Name}"]);
        }
        var points = Section(tensors, "points/");
        trainer.Batch.Dispose();
        trainer.Batch = Batch.Load(trainer.Problem, points, trainer.Options);
        (trainer.Step, trainer.PhaseIndex, trainer.PhaseStep, trainer.Seed) = (header.Step, header.PhaseIndex, header.PhaseStep, header.Seed);
        var methods = Section(tensors, "methods/");
        foreach (var method in trainer.Methods) method.Load(methods);
        return Section(tensors, "optimizer/");
    }

    private static Dictionary<string, Tensor> Section(IReadOnlyDictionary<string, Tensor> tensors, string prefix) =>
        tensors.Where(t => t.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(t => t.Key[prefix.Length..], t => t.Value);
}
