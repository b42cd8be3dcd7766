using System.Text;
using Physis.Data.NumPy;

namespace Physis.Tests.Data;

public sealed class NumPyTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("physis-numpy-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_folder.FullName, name);

    /// <summary>The values numpy's side of the cross-checks builds as base * 0.5 - 1 with base = arange(12).reshape(3, 4).</summary>
    private static double[] Ramp(int count) => Enumerable.Range(0, count).Select(k => k * 0.5 - 1).ToArray();

    private static NpyArray RoundTrip(NpyArray array)
    {
        using var stream = new MemoryStream();
        Npy.Write(stream, array);
        stream.Position = 0;
        var read = Npy.Read(stream);
        Assert.Equal(stream.Length, stream.Position);
        return read;
    }

    public static TheoryData<Array, int[]> Arrays => new()
    {
        { Ramp(24), new[] { 2, 3, 4 } },
        { new[] { 1.5f, -2.25f, float.MaxValue }, new[] { 3 } },
        { new[] { long.MinValue, -1L, 1L << 40, long.MaxValue }, new[] { 2, 2 } },
        { new[] { int.MinValue, 0, int.MaxValue }, new[] { 1, 3 } },
        { new[] { true, false, true, true }, new[] { 4 } },
        { new byte[] { 0, 7, 255 }, new[] { 3 } },
        { new[] { Math.PI }, Array.Empty<int>() },
        { Array.Empty<double>(), new[] { 0, 3 } },
    };

    [Theory]
    [MemberData(nameof(Arrays))]
    public void RoundTripsEveryElementTypeAndShape(Array data, int[] shape)
    {
        var read = RoundTrip(new NpyArray(data, shape));
        Assert.Equal(shape, read.Shape);
        Assert.Equal(data.GetType(), read.Data.GetType());
        Assert.Equal(data, read.Data);
    }

    [Fact]
    public void WritesNumpyStyleHeaderAlignedTo64Bytes()
    {
        using var stream = new MemoryStream();
        Npy.Write(stream, NpyArray.FromDoubles(Ramp(6), 2, 3));
        var bytes = stream.ToArray();
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLength = bytes[8] | bytes[9] << 8;
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.Latin1.GetString(bytes, 10, headerLength);
        Assert.Equal("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", header.TrimEnd());
        Assert.EndsWith("\n", header);
        Assert.Equal(10 + headerLength + 6 * sizeof(double), bytes.Length);
        Assert.Contains("'shape': (5,)", Encoding.Latin1.GetString(Serialize(NpyArray.FromDoubles(new double[5], 5))));
    }

    [Fact]
    public void ReadsBigEndianFortranOrderData()
    {
        // The 2 x 3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column as big-endian int32.
        int[] columnMajor = [1, 4, 2, 5, 3, 6];
        var data = columnMajor.SelectMany(v => BitConverter.GetBytes(v).Reverse()).ToArray();
        var array = Npy.Read(new MemoryStream(HandMade("{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }", data, version: 2)));
        Assert.Equal(new[] { 2, 3 }, array.Shape);
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, (int[])array.Data);
    }

    [Theory]
    [InlineData("{'descr': '<f8', 'shape': (2,), }", "lacks one of the keys")]
    [InlineData("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2,), }", "cannot read the value 'Maybe'")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -1), }", "non-negative integers")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (2,) ", "expected ',' or '}'")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", "truncated")]
    public void CorruptHeadersGiveClearErrors(string header, string expectedMessage)
    {
        var bytes = HandMade(header, new byte[16]);
        var error = Assert.Throws<InvalidDataException>(() => Npy.Read(new MemoryStream(bytes)));
        Assert.Contains(expectedMessage, error.Message);
    }

    [Fact]
    public void RejectsFilesThatAreNotNpy()
    {
        string path = PathOf("text.npy");
        File.WriteAllText(path, "just some text, not an array");
        var error = Assert.Throws<InvalidDataException>(() => Npy.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("magic", error.Message);
        Assert.Contains("version 4.0", Assert.Throws<InvalidDataException>(() => Npy.Read(new MemoryStream(HandMade("{}", [], version: 4)))).Message);
    }

    [Theory]
    [InlineData("<c16")]
    [InlineData("<U5")]
    [InlineData("<i2")]
    public void UnsupportedDtypeIsNamed(string descriptor)
    {
        var bytes = HandMade($"{{'descr': '{descriptor}', 'fortran_order': False, 'shape': (1,), }}", new byte[16]);
        var error = Assert.Throws<NotSupportedException>(() => Npy.Read(new MemoryStream(bytes)));
        Assert.Contains($"'{descriptor}'", error.Message);
    }

    [Fact]
    public void NpzRoundTripsStoredAndCompressed()
    {
        var arrays = new Dictionary<string, NpyArray>
        {
            ["x"] = NpyArray.FromDoubles([-1, 0, 1], 3),
            ["u"] = NpyArray.FromDoubles(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }),
            ["mask"] = new NpyArray(new[] { true, false }, 2),
        };
        foreach (bool compressed in new[] { false, true })
        {
            string path = PathOf($"arrays-{compressed}.npz");
            Npz.Write(path, arrays, compressed);
            var read = Npz.Read(path);
            Assert.Equal(["x", "u", "mask"], read.Keys);
            Assert.Equal(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }, read["u"].ToDoubleMatrix());
            Assert.Equal(new[] { true, false }, read["mask"].Data);
        }
        Assert.Equal([$"arrays-False.npz", "arrays-True.npz"], _folder.GetFiles().Select(f => f.Name).Order());
        Assert.Throws<ArgumentException>(() => Npz.Write(PathOf("bad.npz"), new Dictionary<string, NpyArray> { [""] = arrays["x"] }));
        File.WriteAllText(PathOf("bad.npz"), "not a zip");
        Assert.Contains("bad.npz", Assert.Throws<InvalidDataException>(() => Npz.Read(PathOf("bad.npz"))).Message);
    }

    [Fact]
    public void ArrayChecksItsShapeAndElementType()
    {
        Assert.Contains("holds 6 elements", Assert.Throws<ArgumentException>(() => NpyArray.FromDoubles(new double[5], 2, 3)).Message);
        Assert.Throws<ArgumentException>(() => new NpyArray(new decimal[2], 2));
        Assert.Throws<ArgumentException>(() => new NpyArray(new double[2, 2], 2, 2));
        Assert.Throws<ArgumentException>(() => NpyArray.FromDoubles([1, 2], -2));
        Assert.Equal(new[] { 0.0, 1.0, 255.0 }, new NpyArray(new byte[] { 0, 1, 255 }, 3).ToDoubles());
        Assert.Throws<InvalidOperationException>(() => NpyArray.FromDoubles(new double[3], 3).ToDoubleMatrix());
    }

    [NumPyFact]
    public void ReadsFilesWrittenByNumpy()
    {
        NumPyFactAttribute.RunPython("""
            import sys, numpy as np
            d = sys.argv[1]
            base = np.arange(12).reshape(3, 4)
            np.save(f'{d}/f8.npy', (base * 0.5 - 1).astype('<f8'))
            np.save(f'{d}/f8_be.npy', (base * 0.5 - 1).astype('>f8'))
            np.save(f'{d}/f4.npy', (np.arange(5) / 4).astype('<f4'))
            np.save(f'{d}/f4_be.npy', (np.arange(5) / 4).astype('>f4'))
            np.save(f'{d}/i8.npy', (base - 6).astype('<i8') * 2**40)
            np.save(f'{d}/i4.npy', (base - 6).astype('<i4') * 1000)
            np.save(f'{d}/i4_be.npy', (base - 6).astype('>i4') * 1000)
            np.save(f'{d}/b1.npy', base % 3 == 0)
            np.save(f'{d}/u1.npy', (base * 20).astype('u1'))
            np.save(f'{d}/fortran.npy', np.asfortranarray(np.arange(24, dtype='<f8').reshape(2, 3, 4)))
            np.save(f'{d}/scalar.npy', np.float64(3.5))
            np.save(f'{d}/empty.npy', np.zeros((0, 3)))
            with open(f'{d}/v2.npy', 'wb') as f:
                np.lib.format.write_array(f, (base * 0.5 - 1).astype('<f8'), version=(2, 0))
            np.save(f'{d}/complex.npy', np.ones(2, dtype='<c16'))
            np.savez(f'{d}/stored.npz', x=np.linspace(-1, 1, 5), u=base * 0.5 - 1)
            np.savez_compressed(f'{d}/compressed.npz', x=np.linspace(-1, 1, 5), u=base * 0.5 - 1)
            """, _folder.FullName);

        int[] matrix = [3, 4];
        var ramp = Ramp(12);
        foreach (string name in new[] { "f8", "f8_be", "v2" }) AssertArray(Npy.Read(PathOf($"{name}.npy")), typeof(double), matrix, ramp);
        var quarters = Enumerable.Range(0, 5).Select(k => k / 4.0).ToArray();
        foreach (string name in new[] { "f4", "f4_be" }) AssertArray(Npy.Read(PathOf($"{name}.npy")), typeof(float), [5], quarters);
        AssertArray(Npy.Read(PathOf("i8.npy")), typeof(long), matrix, Enumerable.Range(0, 12).Select(k => (k - 6) * Math.Pow(2, 40)).ToArray());
        var thousands = Enumerable.Range(0, 12).Select(k => (k - 6) * 1000.0).ToArray();
        foreach (string name in new[] { "i4", "i4_be" }) AssertArray(Npy.Read(PathOf($"{name}.npy")), typeof(int), matrix, thousands);
        AssertArray(Npy.Read(PathOf("b1.npy")), typeof(bool), matrix, Enumerable.Range(0, 12).Select(k => k % 3 == 0 ? 1.0 : 0.0).ToArray());
        AssertArray(Npy.Read(PathOf("u1.npy")), typeof(byte), matrix, Enumerable.Range(0, 12).Select(k => k * 20.0).ToArray());

        Assert.Contains("'fortran_order': True", File.ReadAllText(PathOf("fortran.npy"), Encoding.Latin1));
        AssertArray(Npy.Read(PathOf("fortran.npy")), typeof(double), [2, 3, 4], Enumerable.Range(0, 24).Select(k => (double)k).ToArray());
        AssertArray(Npy.Read(PathOf("scalar.npy")), typeof(double), [], [3.5]);
        AssertArray(Npy.Read(PathOf("empty.npy")), typeof(double), [0, 3], []);
        Assert.Contains("'<c16'", Assert.Throws<NotSupportedException>(() => Npy.Read(PathOf("complex.npy"))).Message);

        foreach (string name in new[] { "stored", "compressed" })
        {
            var arrays = Npz.Read(PathOf($"{name}.npz"));
            Assert.Equal(["x", "u"], arrays.Keys);
            AssertArray(arrays["x"], typeof(double), [5], [-1, -0.5, 0, 0.5, 1]);
            AssertArray(arrays["u"], typeof(double), matrix, ramp);
        }
    }

    [NumPyFact]
    public void WritesFilesThatNumpyReads()
    {
        var ramp = Ramp(12);
        Npy.Write(PathOf("f8.npy"), NpyArray.FromDoubles(ramp, 3, 4));
        Npy.Write(PathOf("f4.npy"), new NpyArray(Enumerable.Range(0, 5).Select(k => k / 4f).ToArray(), 5));
        Npy.Write(PathOf("i8.npy"), new NpyArray(Enumerable.Range(0, 12).Select(k => (k - 6L) << 40).ToArray(), 3, 4));
        Npy.Write(PathOf("i4.npy"), new NpyArray(Enumerable.Range(0, 12).Select(k => (k - 6) * 1000).ToArray(), 3, 4));
        Npy.Write(PathOf("b1.npy"), new NpyArray(Enumerable.Range(0, 12).Select(k => k % 3 == 0).ToArray(), 3, 4));
        Npy.Write(PathOf("u1.npy"), new NpyArray(Enumerable.Range(0, 12).Select(k => (byte)(k * 20)).ToArray(), 3, 4));
        Npy.Write(PathOf("scalar.npy"), NpyArray.FromDoubles([3.5]));
        Npy.Write(PathOf("empty.npy"), NpyArray.FromDoubles([], 0, 3));
        var arrays = new Dictionary<string, NpyArray>
        {
            ["x"] = NpyArray.FromDoubles([-1, -0.5, 0, 0.5, 1], 5),
            ["u"] = NpyArray.FromDoubles(ramp, 3, 4),
        };
        Npz.Write(PathOf("stored.npz"), arrays);
        Npz.Write(PathOf("compressed.npz"), arrays, compressed: true);

        string output = NumPyFactAttribute.RunPython("""
            import sys, zipfile, numpy as np
            d = sys.argv[1]
            base = np.arange(12).reshape(3, 4)
            def check(a, expected, name):
                assert a.dtype == expected.dtype, (name, a.dtype, expected.dtype)
                assert a.shape == expected.shape, (name, a.shape, expected.shape)
                assert np.array_equal(a, expected), (name, a, expected)
            check(np.load(f'{d}/f8.npy'), base * 0.5 - 1, 'f8')
            check(np.load(f'{d}/f4.npy'), (np.arange(5) / 4).astype('<f4'), 'f4')
            check(np.load(f'{d}/i8.npy'), (base - 6).astype('<i8') * 2**40, 'i8')
            check(np.load(f'{d}/i4.npy'), (base - 6).astype('<i4') * 1000, 'i4')
            check(np.load(f'{d}/b1.npy'), base % 3 == 0, 'b1')
            check(np.load(f'{d}/u1.npy'), (base * 20).astype('u1'), 'u1')
            check(np.load(f'{d}/scalar.npy'), np.array(3.5), 'scalar')
            check(np.load(f'{d}/empty.npy'), np.zeros((0, 3)), 'empty')
            for name, method in [('stored', zipfile.ZIP_STORED), ('compressed', zipfile.ZIP_DEFLATED)]:
                with zipfile.ZipFile(f'{d}/{name}.npz') as z:
                    assert [i.compress_type for i in z.infolist()] == [method, method], (name, [i.compress_type for i in z.infolist()])
                with np.load(f'{d}/{name}.npz') as f:
                    assert sorted(f.files) == ['u', 'x'], f.files
                    check(f['x'], np.linspace(-1, 1, 5), name + '.x')
                    check(f['u'], base * 0.5 - 1, name + '.u')
            print('numpy read everything')
            """, _folder.FullName);
        Assert.Contains("numpy read everything", output);
    }

    private static void AssertArray(NpyArray array, Type elementType, int[] shape, double[] values)
    {
        Assert.Equal(elementType, array.ElementType);
        Assert.Equal(shape, array.Shape);
        Assert.Equal(values, array.ToDoubles());
    }

    private static byte[] Serialize(NpyArray array)
    {
        using var stream = new MemoryStream();
        Npy.Write(stream, array);
        return stream.ToArray();
    }

    /// <summary>An .npy file with the given header dictionary and raw data bytes.</summary>
    private static byte[] HandMade(string header, byte[] data, int version = 1)
    {
        var text = Encoding.Latin1.GetBytes(header + "\n");
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0 };
        bytes.AddRange(version == 1 ? BitConverter.GetBytes((ushort)text.Length) : BitConverter.GetBytes((uint)text.Length));
        bytes.AddRange(text);
        bytes.AddRange(data);
        return bytes.ToArray();
    }
}
