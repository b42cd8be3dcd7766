using Physis.Data.PyTorch;

namespace Physis.Tests.Data;

/// <summary>Files written by torch.save (Debian's python3-torch): dictionaries, nesting, lists, strides, dtypes, complex.</summary>
public sealed class TorchFileTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"physis-pt-{Guid.NewGuid():N}");

    public TorchFileTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [NumPyFact("torch")]
    public void TensorsOfEveryCommonKindAndContainerAreRead()
    {
        string path = Path.Combine(folder, "data.pt"), single = Path.Combine(folder, "single.pt");
        NumPyFactAttribute.RunPython("""
            import sys, torch
            i, j, k = torch.meshgrid(torch.arange(3), torch.arange(4), torch.arange(5), indexing='ij')
            a = (100.0 * i + 10 * j + k + 0.5).double()
            torch.save({'a': a, 'x': {'f32': a.float().permute(2, 0, 1), 'i64': torch.arange(6).reshape(2, 3)},
                        'z': torch.complex(a, -2 * a).to(torch.complex64), 'slice': a[1:, ::2, 3],
                        'list': [torch.ones(2), torch.nn.Parameter(torch.zeros(3))], 'note': 'text', 'epochs': 12}, sys.argv[1])
            torch.save(a.half(), sys.argv[2])
            """, path, single);
        var arrays = TorchFile.Read(path);
        Assert.Equal(["a", "list.0", "list.1", "slice", "x.f32", "x.i64", "z"], arrays.Keys.Order());
        Assert.Equal([3, 4, 5], arrays["a"].Shape);
        Assert.Equal(MatFileTests.Expected([3, 4, 5]), arrays["a"].Real);
        Assert.Equal("double", arrays["a"].DataType);
        // A permuted (non-contiguous) tensor comes out in row-major order of its own shape.
        var permuted = arrays["x.f32"];
        Assert.Equal([5, 3, 4], permuted.Shape);
        var a = MatFileTests.Expected([3, 4, 5]);
        for (int k = 0; k < 5; k++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 4; j++)
                    Assert.Equal(a[i * 20 + j * 5 + k], permuted.Real[k * 12 + i * 4 + j]);
        Assert.Equal([0.0, 1, 2, 3, 4, 5], arrays["x.i64"].Real);
        Assert.Equal([2, 2], arrays["slice"].Shape);
        Assert.Equal([103.5, 123.5, 203.5, 223.5], arrays["slice"].Real);
        Assert.Equal(a, arrays["z"].Real);
        Assert.Equal(a.Select(v => -2 * v), arrays["z"].Imaginary!);
        Assert.Equal([1.0, 1], arrays["list.0"].Real);
        Assert.Equal([0.0, 0, 0], arrays["list.1"].Real);

        var converted = Physis.Tests.Cli.InProcessCli.Physis("convert", path, "--input", "a", "--output", "slice", "--out", path + ".h5");
        Assert.Equal(2, converted.ExitCode);
        Assert.Contains("'a' [3 x 4 x 5] and 'slice' [2 x 2] must have the same shape", converted.Error);

        var one = Assert.Single(TorchFile.Read(single));
        Assert.Equal("", one.Key);
        Assert.Equal("half", one.Value.DataType);
        Assert.Equal(a, one.Value.Real);  // every value here is exact in half precision (at most 11 significant bits)
    }

    [Fact]
    public void OtherFilesAreRefusedInOneLine()
    {
        string text = Path.Combine(folder, "text.pt");
        File.WriteAllText(text, "not a zip");
        Assert.Contains("is not a PyTorch file of torch.save's zip format", Assert.Throws<InvalidDataException>(() => TorchFile.Read(text)).Message);
        string zip = Path.Combine(folder, "other.pt");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
            archive.CreateEntry("readme.txt");
        Assert.Contains("holds no data.pkl", Assert.Throws<InvalidDataException>(() => TorchFile.Read(zip)).Message);
    }
}
