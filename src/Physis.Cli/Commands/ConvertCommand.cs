using System.CommandLine;
using Physis.Data;

namespace Physis.Cli.Commands;

/// <summary>`physis convert`: operator data from MATLAB and PyTorch files into the HDF5 layout every other command reads.</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("file") { Description = "A MATLAB .mat file (version 5 or 7.3) or a PyTorch .pt file (torch.save)." };
        var input = new Option<string?>("--input") { Description = "The array of input functions (e.g. a, coeff)." };
        var output = new Option<string?>("--output") { Description = "The array of solutions, the same shape (e.g. u, sol)." };
        var destination = new Option<string?>("--out") { Description = "The HDF5 file to write (default: FILE with .h5)." };
        var samples = SampleAxisOption();
        var command = new Command("convert",
            "Turn a MATLAB or PyTorch file of input/solution pairs (samples first by default, then one or two grid axes, as in the FNO paper's and "
            + "neuraloperator's files) into "
            + "the HDF5 operator layout of train-operator and predict; the grid is taken uniform on [0, 1].")
        {
            source, input, output, destination, samples,
        };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string file = parse.GetValue(source)!;
            string a = parse.GetValue(input) ?? throw new ArgumentException("--input NAME is required: the array of input functions.");
            string u = parse.GetValue(output) ?? throw new ArgumentException("--output NAME is required: the array of solutions.");
            string path = parse.GetValue(destination) ?? Path.ChangeExtension(file, ".h5");
            if (Path.GetFullPath(path) == Path.GetFullPath(file)) throw new ArgumentException("--out would overwrite the file it converts.");
            var data = OperatorDataset.FromExternal(file, a, u, ParseSampleAxis(parse.GetValue(samples)!));
            data.Write(path);
            Console.WriteLine($"wrote {path}: {data.Count} samples on a [{string.Join(" x ", data.Grid)}] grid ('{a}' -> '{u}')");
            return 0;
        }));
        return command;
    }

    /// <summary>--input-var, --output-var and --sample-axis: the arrays of a MATLAB or PyTorch file given as data.</summary>
    public static (Option<string?> Input, Option<string?> Output, Option<string> Samples) VariableOptions() =>
        (new Option<string?>("--input-var") { Description = "For a .mat or .pt data file: the array of input functions." },
         new Option<string?>("--output-var") { Description = "For a .mat or .pt data file: the array of solutions, the same shape." },
         SampleAxisOption());

    /// <summary>--sample-axis first|last: where the sample axis of a MATLAB or PyTorch array is.</summary>
    public static Option<string> SampleAxisOption() => new("--sample-axis")
    {
        Description = "For a .mat or .pt file: first ([N, nx(, ny)], the FNO paper's files) or last ([nx(, ny), N]).",
        DefaultValueFactory = _ => "first",
    };

    public static SampleAxis ParseSampleAxis(string text) => text switch
    {
        "first" => SampleAxis.First,
        "last" => SampleAxis.Last,
        _ => throw new ArgumentException($"--sample-axis must be first or last, got '{text}'."),
    };

    /// <summary>The named arrays, or null when neither option is given; one without the other is an error.</summary>
    public static DataVariables? Variables(ParseResult parse, (Option<string?> Input, Option<string?> Output, Option<string> Samples) options)
    {
        var samples = ParseSampleAxis(parse.GetValue(options.Samples)!);
        return (parse.GetValue(options.Input), parse.GetValue(options.Output)) switch
        {
            (null, null) when parse.GetResult(options.Samples) is { Implicit: false } =>
                throw new ArgumentException("--sample-axis applies to .mat and .pt data, with --input-var and --output-var."),
            (null, null) => null,
            ({ } input, { } output) => new DataVariables(input, output, samples),
            _ => throw new ArgumentException("--input-var and --output-var go together: name both arrays of the file."),
        };
    }
}
