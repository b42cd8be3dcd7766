using Physis.Export;
using Physis.Runs;
using Physis.Suite.Problems;
using Physis.Tests.Data;
using Physis.Tests.Export;
using Physis.Training.Operators;
using static TorchSharp.torch;

namespace Physis.Tests.Cli;

/// <summary>`physis export` on the folders of real runs: the ONNX model it writes predicts what the trained network does.</summary>
public class ExportCommandTests
{
    [Theory]
    [InlineData("advection", "plain")]
    [InlineData("advection", "periodic")]
    [InlineData("wave", "default")]
    public void APinnRunExportsToAModelThatPredictsAsTheTrainedNetwork(string name, string preset)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-export-{Guid.NewGuid():N}");
        try
        {
            var (code, _, error) = InProcessCli.Physis("solve", name, "--preset", preset, "--iterations", "3", "--lbfgs-iterations", "0",
                "--domain-points", "50", "--out", folder);
            Assert.True(code == 0, error);
            string file = Path.Combine(folder, "exported.onnx");
            (code, var output, error) = InProcessCli.Physis("export", "--model", folder, "--format", "onnx", "--out", file);
            Assert.True(code == 0, error);
            Assert.Contains("coordinates [n, 2] float32 (x, t)", output);

            var catalog = ProblemCatalog.Find(name);
            var problem = catalog.Create();
            var settings = new RunFolder(folder).Read<PinnSettings>().Settings;
            Assert.Equal(name == "wave", settings.HardConstraints);
            var transform = settings.HardConstraints ? catalog.HardConstraint!.Transform.Create(problem) : null;
            using var network = PinnRun.CreateNetwork(problem, settings, settings.Seed, settings.DType, transform);
            var (_, tensors) = global::Physis.Infrastructure.TensorArchive.Load(Path.Combine(folder, RunFolder.CheckpointFile));
            using (no_grad())
                foreach (var (parameter, p) in network.named_parameters()) p.copy_(tensors[$"network/{parameter}"]);
            // The trained weights differ from the seed's initial ones, so the comparison shows the checkpoint was read.
            using var initial = PinnRun.CreateNetwork(problem, settings, settings.Seed, settings.DType, null);
            using var before = initial.parameters().First().to(ScalarType.Float64);
            using var after = network.parameters().First().to(ScalarType.Float64);
            Assert.NotEqual(before.data<double>().ToArray(), after.data<double>().ToArray());

            // Points across the domain's box: (x, t) on a diagonal and its mirror.
            var box = problem.Geometry.Bounds;
            float[] points = [.. Enumerable.Range(0, 40).SelectMany(i => new[]
            {
                (float)(box.Min[0] + (box.Max[0] - box.Min[0]) * (i % 20) / 19.0),
                (float)(box.Min[1] + (box.Max[1] - box.Min[1]) * (i < 20 ? i / 19.0 : (39 - i) / 19.0)),
            })];
            var actual = OnnxExportTests.RunOnnx(File.ReadAllBytes(file), (PinnGraph.InputName, points, [40, 2]));
            using var x = tensor(points, [40, 2]).to(settings.DType);
            using var expected = network.forward(x);
            OnnxExportTests.AssertClose(expected, actual);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AnOperatorRunExportsNextToItsModel()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-export-{Guid.NewGuid():N}");
        try
        {
            string data = Path.Combine(folder, "burgers.h5"), run = Path.Combine(folder, "fno");
            Assert.Equal(0, InProcessCli.Physis("generate", "burgers", "--samples", "6", "--resolution", "32", "--out", data).ExitCode);
            var (code, _, error) = InProcessCli.Physis("train-operator", "fno", "--data", data, "--epochs", "1", "--train", "4", "--test", "2",
                "--modes", "4", "--width", "8", "--out", run);
            Assert.True(code == 0, error);
            (code, var output, error) = InProcessCli.Physis("export", "--model", run, "--format", "onnx");
            Assert.True(code == 0, error);
            string file = Path.Combine(run, OnnxExport.FileName);
            Assert.Contains($"wrote {file}", output);
            Assert.Contains("x [nx] float32 (the grid's coordinates)", output);

            var dataset = global::Physis.Data.OperatorDataset.Read(data);
            using var model = OperatorModel.Load(Path.Combine(run, OperatorModel.FileName));
            var inputs = dataset.Inputs.Take(2 * 32).Select(v => (float)v).ToArray();
            var actual = OnnxExportTests.RunOnnx(File.ReadAllBytes(file), (OperatorGraph.InputName, inputs, [2, 32]),
                ("x", dataset.Coordinates[0].Select(v => (float)v).ToArray(), [32]));
            using var scope = NewDisposeScope();
            var expected = model.Forward(tensor(inputs, [2, 32]), OperatorModel.QueryPoints(dataset.Coordinates),
                OperatorModel.Axes(dataset.Coordinates));
            OnnxExportTests.AssertClose(expected, actual);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [NumPyFact("torch")]
    public void AnFnoTrainedOnAPyTorchFileExportsToTheSamePredictions() => TrainOnExternalDataAndExport("data.pt", """
        import sys, torch
        x = torch.linspace(0, 1, 32, dtype=torch.float64)
        a = torch.stack([torch.sin((s + 1) * torch.pi * x) for s in range(6)])
        torch.save({'a': a, 'u': a ** 2}, sys.argv[1])
        """, "first");

    [NumPyFact("scipy")]
    public void AnFnoTrainedOnAMatlabFileWithSamplesLastExportsToTheSamePredictions() => TrainOnExternalDataAndExport("data.mat", """
        import sys, numpy as np, scipy.io
        x = np.linspace(0, 1, 32)
        a = np.array([np.sin((s + 1) * np.pi * x) for s in range(6)])
        scipy.io.savemat(sys.argv[1], {'a': a.T, 'u': (a ** 2).T})
        """, "last");

    /// <summary>A file written by PyTorch or SciPy, an FNO trained on it, the ONNX export run in ONNX Runtime.</summary>
    private static void TrainOnExternalDataAndExport(string name, string script, string sampleAxis)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-export-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string data = Path.Combine(folder, name), run = Path.Combine(folder, "fno");
            NumPyFactAttribute.RunPython(script, data);
            var (code, output, error) = InProcessCli.Physis("train-operator", "fno", "--data", data, "--input-var", "a", "--output-var", "u",
                "--sample-axis", sampleAxis, "--epochs", "2", "--train", "4", "--test", "2", "--modes", "4", "--width", "8", "--out", run);
            Assert.True(code == 0, error);
            Assert.Contains("4 train / 2 test samples on a [32] grid", output);
            (code, _, error) = InProcessCli.Physis("export", "--model", run, "--format", "onnx");
            Assert.True(code == 0, error);

            var dataset = global::Physis.Data.OperatorDataset.Read(data,
                new global::Physis.Data.DataVariables("a", "u", sampleAxis == "last" ? global::Physis.Data.SampleAxis.Last : default));
            // The arrays as written: sample 1 is sin(2 pi x), whatever the axis order in the file.
            Assert.Equal(Math.Sin(2 * Math.PI * 5 / 31.0), dataset.Inputs[32 + 5], 1e-12);
            using var model = OperatorModel.Load(Path.Combine(run, OperatorModel.FileName));
            var inputs = dataset.Inputs.Take(2 * 32).Select(v => (float)v).ToArray();
            var actual = OnnxExportTests.RunOnnx(File.ReadAllBytes(Path.Combine(run, OnnxExport.FileName)),
                (OperatorGraph.InputName, inputs, [2, 32]), ("x", dataset.Coordinates[0].Select(v => (float)v).ToArray(), [32]));
            using var scope = NewDisposeScope();
            var expected = model.Forward(tensor(inputs, [2, 32]), OperatorModel.QueryPoints(dataset.Coordinates),
                OperatorModel.Axes(dataset.Coordinates));
            OnnxExportTests.AssertClose(expected, actual);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
