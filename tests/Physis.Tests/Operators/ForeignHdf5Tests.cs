using Physis.Data;
using Physis.Tests.Cli;
using Physis.Tests.Data;

namespace Physis.Tests.Operators;

/// <summary>Operator data written by h5py as other tools write them: float32, without a time axis, on their own coordinates.</summary>
public class ForeignHdf5Tests
{
    private static string TempPath(string suffix = "") => Path.Combine(Path.GetTempPath(), $"physis-h5py-{Guid.NewGuid():N}{suffix}");

    /// <summary>
    /// 2D data on x in [0, 2], y in [0, 1) (4 x 6 points): input i + 10 j + 100 s and target its square over 1000;
    /// float32 with a time axis of two times, or float64 without one.
    /// </summary>
    private const string Writer = """
        import sys, h5py, numpy as np
        path, kind = sys.argv[1], sys.argv[2]
        dtype = np.float32 if kind == "float32" else np.float64
        i, j = np.meshgrid(np.arange(4), np.arange(6), indexing="ij")
        a = np.stack([i + 10 * j + 100 * s for s in range(3)]).astype(dtype)
        u = (a.astype(np.float64) ** 2 / 1000).astype(dtype)
        with h5py.File(path, "w") as f:
            f["input"] = a
            if kind == "float32":
                f["tensor"] = np.stack([np.zeros_like(u), u], axis=1)
                f["t-coordinate"] = np.array([0, 1], dtype=dtype)
            else:
                f["tensor"] = u
            f["x-coordinate"] = np.linspace(0, 2, 4).astype(dtype)
            f["y-coordinate"] = (np.arange(6) / 6).astype(dtype)
        """;

    [NumPyFact("h5py")]
    public void Float32AndTimelessFilesReadAsTheirValues()
    {
        foreach (string kind in new[] { "float32", "timeless" })
        {
            string path = TempPath(".h5");
            try
            {
                NumPyFactAttribute.RunPython(Writer, path, kind);
                var data = OperatorDataset.Read(path);
                Assert.Equal(3, data.Count);
                Assert.Equal([4, 6], data.Grid);
                // Every value is an integer or a multiple of 1/1000 small enough for float32 to hold to about 1e-7 relative.
                for (int s = 0; s < 3; s++)
                    for (int i = 0; i < 4; i++)
                        for (int j = 0; j < 6; j++)
                        {
                            double a = i + 10 * j + 100 * s;
                            Assert.Equal(a, data.Inputs[(s * 4 + i) * 6 + j]);
                            Assert.Equal(a * a / 1000, data.Targets[(s * 4 + i) * 6 + j], a * a / 1000 * 1e-7);
                        }
                Assert.Equal([0, 2 / 3.0, 4 / 3.0, 2], data.Coordinates[0], (p, q) => Math.Abs(p - q) < 1e-7);
                Assert.Equal(5 / 6.0, data.Coordinates[1][5], 7);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    [NumPyFact("h5py")]
    public void PlotDatasetDrawsAFloat32CopyOfAGeneratedFile()
    {
        string generated = TempPath(".h5"), copy = TempPath(".h5"), png = TempPath(".png");
        try
        {
            var (code, _, error) = SolveCommandTests.Physis("generate", "burgers", "--samples", "2", "--resolution", "32", "--out", generated);
            Assert.True(code == 0, error);
            NumPyFactAttribute.RunPython("""
                import sys, h5py, numpy as np
                with h5py.File(sys.argv[1], "r") as f, h5py.File(sys.argv[2], "w") as g:
                    for k in f:
                        g[k] = f[k][()].astype(np.float32)
                    for k, v in f.attrs.items():
                        g.attrs[k] = v
                """, generated, copy);
            (code, _, error) = SolveCommandTests.Physis("plot-dataset", copy, "--out", png);
            Assert.True(code == 0, error);
            Assert.True(new FileInfo(png).Length > 0);
        }
        finally
        {
            foreach (var f in new[] { generated, copy, png }) File.Delete(f);
        }
    }

    [NumPyFact("h5py")]
    public void TrainOperatorTakesAFloat32FileWithoutTimeAxis()
    {
        string path = TempPath(".h5"), folder = TempPath();
        try
        {
            NumPyFactAttribute.RunPython("""
                import sys, h5py, numpy as np
                n, rng = 32, np.random.default_rng(0)
                x = np.arange(n) / n
                a = rng.standard_normal((20, n)).astype(np.float32)
                with h5py.File(sys.argv[1], "w") as f:
                    f["input"] = a
                    f["tensor"] = np.cumsum(a, axis=1) / n
                    f["x-coordinate"] = x.astype(np.float32)
                """, path);
            var (code, _, error) = SolveCommandTests.Physis("train-operator", "fno", "--data", path, "--epochs", "1", "--modes", "4",
                "--width", "8", "--test", "5", "--out", folder);
            Assert.True(code == 0, error);
            Assert.True(File.Exists(Path.Combine(folder, "model.bin")));
        }
        finally
        {
            File.Delete(path);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
