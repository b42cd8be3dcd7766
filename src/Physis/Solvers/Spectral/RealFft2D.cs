using System.Collections.Concurrent;

namespace Physis.Solvers.Spectral;

/// <summary>
/// Plan for the 2D discrete Fourier transform of a real row-major [rows, columns] array (NumPy <c>rfft2</c>):
/// the spectrum is [rows, columns/2 + 1], real transforms along each row, then complex transforms along
/// the columns. Forward unscaled, inverse scaled by 1/(rows columns). Cached, thread-safe, allocation-free
/// after the first call on a thread.
/// </summary>
public sealed class RealFft2D
{
    private static readonly ConcurrentDictionary<(int, int), RealFft2D> Plans = new();

    [ThreadStatic] private static double[]? _scratch;

    private readonly RealFft _rowFft;
    private readonly ComplexFft _columnFft;

    public int Rows { get; }
    public int Columns { get; }

    /// <summary>Columns of the spectrum, columns/2 + 1.</summary>
    public int SpectrumColumns => Columns / 2 + 1;

    /// <summary>Entries of the spectrum, rows (columns/2 + 1).</summary>
    public int SpectrumLength => Rows * SpectrumColumns;

    private RealFft2D(int rows, int columns)
    {
        Rows = rows;
        Columns = columns;
        _rowFft = RealFft.Get(columns);
        _columnFft = ComplexFft.Get(rows);
    }

    /// <summary>The cached plan for a real [rows, columns] array.</summary>
    public static RealFft2D Get(int rows, int columns)
    {
        if (rows < 1 || columns < 1)
            throw new ArgumentOutOfRangeException(nameof(rows), $"2D FFT size must be positive, got {rows} x {columns}.");
        return Plans.GetOrAdd((rows, columns), static s => new RealFft2D(s.Item1, s.Item2));
    }

    /// <summary>Row-major spectrum of the row-major real array <paramref name="x"/>.</summary>
    public void Forward(ReadOnlySpan<double> x, Span<double> re, Span<double> im)
    {
        CheckLengths(x.Length, re.Length, im.Length);
        int w = SpectrumColumns;
        for (int i = 0; i < Rows; i++)
            _rowFft.Forward(x.Slice(i * Columns, Columns), re.Slice(i * w, w), im.Slice(i * w, w));
        _columnFft.TransformColumns(re, im, w);
    }

    /// <summary>Real array from its row-major half spectrum, scaled by 1/(rows columns); the input is unchanged.</summary>
    public void Inverse(ReadOnlySpan<double> re, ReadOnlySpan<double> im, Span<double> x)
    {
        CheckLengths(x.Length, re.Length, im.Length);
        int w = SpectrumColumns, size = SpectrumLength;
        Span<double> work = Workspace.Get(ref _scratch, 2 * size);
        Span<double> wr = work[..size], wi = work[size..];
        re.CopyTo(wr);
        im.CopyTo(wi);
        _columnFft.TransformColumns(wi, wr, w);
        double scale = 1.0 / Rows;
        for (int i = 0; i < size; i++) { wr[i] *= scale; wi[i] *= scale; }
        for (int i = 0; i < Rows; i++)
            _rowFft.Inverse(wr.Slice(i * w, w), wi.Slice(i * w, w), x.Slice(i * Columns, Columns));
    }

    private void CheckLengths(int samples, int reLength, int imLength)
    {
        if (samples != Rows * Columns || reLength != SpectrumLength || imLength != SpectrumLength)
            throw new ArgumentException(
                $"2D real FFT plan of size {Rows} x {Columns} needs {Rows * Columns} samples and {SpectrumLength} " +
                $"coefficients; got {samples} samples and spectrum arrays of lengths {reLength} and {imLength}.");
    }
}
