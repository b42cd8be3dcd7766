using Physis.Data.Formats;
using Physis.Data.Matlab;

namespace Physis.Tests.Data;

/// <summary>MATLAB files written by SciPy (version 5, plain and compressed) and by h5py in MATLAB's version 7.3 layout.</summary>
public sealed class MatFileTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"physis-mat-{Guid.NewGuid():N}");

    public MatFileTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>a(i, j, k) = 100 i + 10 j + k + 0.5 (indices from 0), row-major: the array the Python scripts write.</summary>
    internal static double[] Expected(int[] shape) => [.. Enumerable.Range(0, shape[0] * shape[1] * shape[2])
        .Select(n => 100.0 * (n / (shape[1] * shape[2])) + 10 * (n / shape[2] % shape[1]) + n % shape[2] + 0.5)];

    [NumPyFact("scipy")]
    public void VersionFiveFromSciPyPlainAndCompressedRealComplexAndIntegers()
    {
        foreach (bool compress in new[] { false, true })
        {
            string path = Path.Combine(folder, $"v5-{compress}.mat");
            NumPyFactAttribute.RunPython("""
                import sys, numpy as np, scipy.io
                i, j, k = np.meshgrid(np.arange(3), np.arange(4), np.arange(5), indexing='ij')
                a = 100.0 * i + 10 * j + k + 0.5
                scipy.io.savemat(sys.argv[1], {'a': a, 'z': a - 2j * a, 'n': np.arange(6, dtype=np.int16).reshape(2, 3),
                    's': np.float32(0.25) * np.ones((2, 2), dtype=np.float32), 'label': 'text', 'cells': np.array([1, 'x'], dtype=object)},
                    do_compression=sys.argv[2] == 'True')
                """, path, compress.ToString());
            var arrays = MatFile.Read(path);
            Assert.Equal(["a", "n", "s", "z"], arrays.Keys.Order());
            var a = arrays["a"];
            Assert.Equal([3, 4, 5], a.Shape);
            Assert.Equal(Expected([3, 4, 5]), a.Real);
            Assert.False(a.IsComplex);
            var z = arrays["z"];
            Assert.True(z.IsComplex);
            Assert.Equal(Expected([3, 4, 5]), z.Real);
            Assert.Equal(Expected([3, 4, 5]).Select(v => -2 * v), z.Imaginary!);
            Assert.Equal([2, 3], arrays["n"].Shape);
            Assert.Equal([0.0, 1, 2, 3, 4, 5], arrays["n"].Real);
            Assert.Equal([0.25, 0.25, 0.25, 0.25], arrays["s"].Real);
        }
    }

    [NumPyFact("h5py")]
    public void VersionSevenThreeInMatlabsHdf5LayoutWithItsUserBlock()
    {
        string path = Path.Combine(folder, "v73.mat");
        // MATLAB's layout: a 512-byte user block, dimensions reversed, MATLAB_class attributes, complex as a compound.
        NumPyFactAttribute.RunPython("""
            import sys, numpy as np, h5py
            i, j, k = np.meshgrid(np.arange(3), np.arange(4), np.arange(5), indexing='ij')
            a = 100.0 * i + 10 * j + k + 0.5
            with h5py.File(sys.argv[1], 'w', userblock_size=512) as f:
                f['a'] = a.T
                f['a'].attrs['MATLAB_class'] = np.bytes_('double')
                pair = np.dtype([('real', '<f8'), ('imag', '<f8')])
                z = np.zeros(a.T.shape, dtype=pair)
                z['real'], z['imag'] = a.T, -2 * a.T
                f['z'] = z
                f['z'].attrs['MATLAB_class'] = np.bytes_('double')
                f['s'] = np.float32(a.T)
                f['s'].attrs['MATLAB_class'] = np.bytes_('single')
                f['label'] = np.frombuffer(b'text', dtype=np.uint8).astype(np.uint16)
                f['label'].attrs['MATLAB_class'] = np.bytes_('char')
            with open(sys.argv[1], 'r+b') as f:
                f.write(b'MATLAB 7.3 MAT-file, written by the test'.ljust(116) + bytes(8) + b'\\x00\\x02IM')
            """, path);
        var arrays = MatFile.Read(path);
        Assert.Equal(["a", "s", "z"], arrays.Keys.Order());
        foreach (var name in new[] { "a", "s", "z" })
        {
            Assert.Equal([3, 4, 5], arrays[name].Shape);
            Assert.Equal(Expected([3, 4, 5]), arrays[name].Real);
        }
        Assert.Equal(Expected([3, 4, 5]).Select(v => -2 * v), arrays["z"].Imaginary!);
    }

    [NumPyFact("scipy")]
    public void TheFnoPapersLayoutConvertsToOperatorData()
    {
        string mat = Path.Combine(folder, "burgers_like.mat"), h5 = Path.Combine(folder, "burgers_like.h5");
        NumPyFactAttribute.RunPython("""
            import sys, numpy as np, scipy.io
            x = np.linspace(0, 1, 32)
            a = np.array([np.sin((s + 1) * np.pi * x) for s in range(6)])
            scipy.io.savemat(sys.argv[1], {'a': a, 'u': a ** 2}, do_compression=True)
            """, mat);
        var (code, output, error) = Physis.Tests.Cli.InProcessCli.Physis("convert", mat, "--input", "a", "--output", "u", "--out", h5);
        Assert.True(code == 0, error);
        Assert.Contains("6 samples on a [32] grid", output);
        var data = Physis.Data.OperatorDataset.Read(h5);
        Assert.Equal(6, data.Count);
        var x = Enumerable.Range(0, 32).Select(i => i / 31.0).ToArray();
        Assert.Equal(x, data.Coordinates[0], (p, q) => Math.Abs(p - q) < 1e-15);
        for (int s = 0; s < 6; s++)
            for (int i = 0; i < 32; i++)
            {
                double value = Math.Sin((s + 1) * Math.PI * x[i]);
                Assert.Equal(value, data.Inputs[s * 32 + i], 1e-14);
                Assert.Equal(value * value, data.Targets[s * 32 + i], 1e-14);
            }
        // The MATLAB file as training data directly, and for predict.
        string run = Path.Combine(folder, "run");
        var trained = Physis.Tests.Cli.InProcessCli.Physis("train-operator", "fno", "--data", mat, "--input-var", "a", "--output-var", "u",
            "--epochs", "1", "--modes", "4", "--width", "8", "--test", "2", "--out", run);
        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.Contains("4 train / 2 test samples on a [32] grid", trained.Output);
        var predicted = Physis.Tests.Cli.InProcessCli.Physis("predict", "--model", run, "--data", mat, "--input-var", "a", "--output-var", "u",
            "--out", Path.Combine(folder, "predict"));
        Assert.True(predicted.ExitCode == 0, predicted.Error);

        var unknown = Physis.Tests.Cli.InProcessCli.Physis("convert", mat, "--input", "coeff", "--output", "u", "--out", h5 + "2");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("has no numeric array 'coeff'; it holds a [6 x 32], u [6 x 32]", unknown.Error);
    }

    [NumPyFact("scipy")]
    public void AReferenceSolutionReadsFromAMatlabFileAsFromNpz()
    {
        string path = Path.Combine(folder, "reference.mat");
        // Raissi et al.'s files store axes as columns or rows; the field is last coordinate first, as in prediction.npz.
        NumPyFactAttribute.RunPython("""
            import sys, numpy as np, scipy.io
            x, t = np.linspace(-1, 1, 5), np.linspace(0, 1, 3)
            scipy.io.savemat(sys.argv[1], {'x': x.reshape(1, 5), 't': t.reshape(3, 1), 'u': np.sin(np.pi * x)[None, :] * np.exp(-t)[:, None],
                'h': x + 1j})
            """, path);
        var reference = Physis.Evaluation.ReferenceSolution.Read(path, ["x", "t"], ["u", "v"]);
        Assert.Equal(15, reference.Points.GetLength(0));
        for (int k = 0; k < 15; k++)
        {
            double x = -1 + 0.5 * (k % 5), t = 0.5 * (k / 5);
            Assert.Equal(x, reference.Points[k, 0], 1e-15);
            Assert.Equal(t, reference.Points[k, 1], 1e-15);
            Assert.Equal(Math.Sin(Math.PI * x) * Math.Exp(-t), reference.Values["u"][k], 1e-14);
        }
        Assert.False(reference.Values.ContainsKey("v"));
        // The same arrays as an inverse problem's observations.
        var observed = Physis.Problems.Condition.PointData("u", reference.Points, reference.Values["u"]);
        Assert.Equal(reference.Values["u"], observed.ObservationValues);
        var complex = Assert.Throws<InvalidDataException>(() => Physis.Evaluation.ReferenceSolution.Read(path, ["x", "t"], ["h"]));
        Assert.Contains("'h' is complex; store the real and imaginary parts as two fields", complex.Message);
    }

    [Fact]
    public void DamagedOrForeignFilesAreRefusedInOneLine()
    {
        string text = Path.Combine(folder, "text.mat");
        File.WriteAllText(text, new string('x', 200));
        Assert.Contains("is not a MATLAB version 5 or 7.3 file", Assert.Throws<InvalidDataException>(() => MatFile.Read(text)).Message);
        string truncated = Path.Combine(folder, "truncated.mat");
        var bytes = new byte[136];
        "MATLAB 5.0 MAT-file"u8.CopyTo(bytes);
        (bytes[126], bytes[127]) = ((byte)'I', (byte)'M');
        BitConverter.GetBytes(14).CopyTo(bytes, 128);
        BitConverter.GetBytes(4096).CopyTo(bytes, 132);
        File.WriteAllBytes(truncated, bytes);
        Assert.Contains("is truncated", Assert.Throws<InvalidDataException>(() => MatFile.Read(truncated)).Message);
        var missing = Assert.Throws<InvalidDataException>(() => ExternalArray.Find(new Dictionary<string, ExternalArray>
        {
            ["u"] = new("u", [2, 3], new double[6], null, "double"),
        }, "a", "f.mat"));
        Assert.Equal("f.mat has no numeric array 'a'; it holds u [2 x 3].", missing.Message);
    }
}
