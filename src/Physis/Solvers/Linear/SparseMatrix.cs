using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Physis.Solvers.Linear;

/// <summary>
/// A sparse matrix in compressed sparse row (CSR) form: the entries of row i are
/// <c>Values[RowPointers[i]..RowPointers[i+1]]</c> in columns <c>ColumnIndices[...]</c>, sorted by column.
/// </summary>
public sealed class SparseMatrix : ILinearOperator
{
    private readonly int[] rowPointers;
    private readonly int[] columnIndices;
    private readonly double[] values;

    public SparseMatrix(int rows, int columns, int[] rowPointers, int[] columnIndices, double[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (rowPointers.Length != rows + 1 || rowPointers[0] != 0)
            throw new ArgumentException($"Row pointers must have rows + 1 = {rows + 1} entries starting at 0; got {rowPointers.Length}.",
                nameof(rowPointers));
        int nonZeros = rowPointers[rows];
        if (columnIndices.Length < nonZeros || values.Length < nonZeros)
            throw new ArgumentException($"Column indices and values need {nonZeros} entries (the last row pointer).");
        for (int i = 0; i < rows; i++)
        {
            if (rowPointers[i + 1] < rowPointers[i]) throw new ArgumentException($"Row pointers decrease at row {i}.", nameof(rowPointers));
            for (int k = rowPointers[i]; k < rowPointers[i + 1]; k++)
            {
                if ((uint)columnIndices[k] >= (uint)columns)
                    throw new ArgumentException($"Column index {columnIndices[k]} in row {i} is outside 0..{columns - 1}.", nameof(columnIndices));
                if (k > rowPointers[i] && columnIndices[k] <= columnIndices[k - 1])
                    throw new ArgumentException($"Column indices of row {i} must be strictly increasing.", nameof(columnIndices));
            }
        }
        Rows = rows;
        Columns = columns;
        this.rowPointers = rowPointers;
        this.columnIndices = columnIndices;
        this.values = values;
    }

    public int Rows { get; }
    public int Columns { get; }
    public int NonZeros => rowPointers[Rows];
    public ReadOnlySpan<int> RowPointers => rowPointers;
    public ReadOnlySpan<int> ColumnIndices => columnIndices.AsSpan(0, NonZeros);
    public ReadOnlySpan<double> Values => values.AsSpan(0, NonZeros);

    int ILinearOperator.Size => Rows == Columns
        ? Rows
        : throw new InvalidOperationException($"A {Rows} x {Columns} matrix is not square, so it is not an operator on one vector space.");

    void ILinearOperator.Apply(ReadOnlySpan<double> x, Span<double> y) => Multiply(x, y);

    /// <summary>y = A x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Multiply(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != Columns || y.Length != Rows)
            throw new ArgumentException($"A {Rows} x {Columns} matrix needs x of length {Columns} and y of length {Rows}; "
                + $"got {x.Length} and {y.Length}.");
        // Unchecked element access: the constructor validated every column index, and this loop is the
        // hot path of every Krylov and multigrid iteration.
        ref int rp = ref MemoryMarshal.GetArrayDataReference(rowPointers);
        ref int ci = ref MemoryMarshal.GetArrayDataReference(columnIndices);
        ref double v = ref MemoryMarshal.GetArrayDataReference(values);
        ref double xs = ref MemoryMarshal.GetReference(x);
        for (int i = 0; i < y.Length; i++)
        {
            double sum = 0;
            int end = Unsafe.Add(ref rp, i + 1);
            for (int k = Unsafe.Add(ref rp, i); k < end; k++) sum += Unsafe.Add(ref v, k) * Unsafe.Add(ref xs, Unsafe.Add(ref ci, k));
            y[i] = sum;
        }
    }

    /// <summary>
    /// One Gauss–Seidel sweep for A x = b, visiting the rows in <paramref name="order"/> (or its reverse), updating x in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void GaussSeidelSweep(ReadOnlySpan<double> b, Span<double> x, ReadOnlySpan<double> inverseDiagonal, ReadOnlySpan<int> order, bool reverse)
    {
        if (Rows != Columns || b.Length != Rows || x.Length != Rows || inverseDiagonal.Length != Rows || order.Length != Rows)
            throw new ArgumentException($"Gauss–Seidel on a {Rows} x {Columns} matrix needs square A and vectors and row order of length {Rows}.");
        ref int rp = ref MemoryMarshal.GetArrayDataReference(rowPointers);
        ref int ci = ref MemoryMarshal.GetArrayDataReference(columnIndices);
        ref double v = ref MemoryMarshal.GetArrayDataReference(values);
        ref double xs = ref MemoryMarshal.GetReference(x);
        int n = Rows;
        for (int step = 0; step < n; step++)
        {
            int i = order[reverse ? n - 1 - step : step];
            double residual = b[i];
            int end = Unsafe.Add(ref rp, i + 1);
            for (int k = Unsafe.Add(ref rp, i); k < end; k++) residual -= Unsafe.Add(ref v, k) * Unsafe.Add(ref xs, Unsafe.Add(ref ci, k));
            Unsafe.Add(ref xs, i) += residual * inverseDiagonal[i];
        }
    }

    /// <summary>y += Aᵀ x, without forming the transpose.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void MultiplyTransposeAdd(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != Rows || y.Length != Columns)
            throw new ArgumentException($"Aᵀ of a {Rows} x {Columns} matrix needs x of length {Rows} and y of length {Columns}; "
                + $"got {x.Length} and {y.Length}.");
        int[] rp = rowPointers, ci = columnIndices;
        double[] v = values;
        for (int i = 0; i < x.Length; i++)
        {
            double xi = x[i];
            int end = rp[i + 1];
            for (int k = rp[i]; k < end; k++) y[ci[k]] += v[k] * xi;
        }
    }

    /// <summary>The diagonal entries (zero where a row stores none).</summary>
    public double[] Diagonal()
    {
        var diagonal = new double[Math.Min(Rows, Columns)];
        for (int i = 0; i < diagonal.Length; i++)
        {
            int k = Array.BinarySearch(columnIndices, rowPointers[i], rowPointers[i + 1] - rowPointers[i], i);
            if (k >= 0) diagonal[i] = values[k];
        }
        return diagonal;
    }

    public SparseMatrix Transpose()
    {
        var counts = new int[Columns + 1];
        for (int k = 0; k < NonZeros; k++) counts[columnIndices[k] + 1]++;
        for (int j = 0; j < Columns; j++) counts[j + 1] += counts[j];
        var next = (int[])counts.Clone();
        var ci = new int[NonZeros];
        var v = new double[NonZeros];
        // Walking rows in order keeps each transposed row sorted by column.
        for (int i = 0; i < Rows; i++)
            for (int k = rowPointers[i]; k < rowPointers[i + 1]; k++)
            {
                int slot = next[columnIndices[k]]++;
                ci[slot] = i;
                v[slot] = values[k];
            }
        return new SparseMatrix(Columns, Rows, counts, ci, v);
    }

    /// <summary>The product A B (Gustavson's row-by-row algorithm: a symbolic pass sizes the rows, a numeric pass fills them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public SparseMatrix Multiply(SparseMatrix other)
    {
        if (Columns != other.Rows)
            throw new ArgumentException($"Cannot multiply a {Rows} x {Columns} matrix by a {other.Rows} x {other.Columns} matrix.", nameof(other));
        int[] bp = other.rowPointers, bc = other.columnIndices;
        double[] bv = other.values;
        // marker[j] is the slot of column j in the row being built; slots only grow, so a slot below the
        // row's start means column j is not in this row yet.
        var marker = new int[other.Columns];
        Array.Fill(marker, -1);
        var rp = new int[Rows + 1];
        for (int i = 0; i < Rows; i++)
        {
            int count = 0;
            for (int k = rowPointers[i]; k < rowPointers[i + 1]; k++)
                for (int q = bp[columnIndices[k]]; q < bp[columnIndices[k] + 1]; q++)
                    if (marker[bc[q]] != i)
                    {
                        marker[bc[q]] = i;
                        count++;
                    }
            rp[i + 1] = rp[i] + count;
        }
        var ci = new int[rp[Rows]];
        var v = new double[rp[Rows]];
        Array.Fill(marker, -1);
        for (int i = 0; i < Rows; i++)
        {
            int start = rp[i], end = start;
            for (int k = rowPointers[i]; k < rowPointers[i + 1]; k++)
            {
                double a = values[k];
                for (int q = bp[columnIndices[k]]; q < bp[columnIndices[k] + 1]; q++)
                {
                    int j = bc[q];
                    int slot = marker[j];
                    if (slot < start)
                    {
                        marker[j] = slot = end++;
                        ci[slot] = j;
                        v[slot] = 0;
                    }
                    v[slot] += a * bv[q];
                }
            }
            SortRow(ci, v, start, end);
        }
        return new SparseMatrix(Rows, other.Columns, rp, ci, v);
    }

    /// <summary>Insertion sort of one row by column: rows are short, so this beats a general sort.</summary>
    private static void SortRow(int[] columns, double[] entries, int start, int end)
    {
        for (int k = start + 1; k < end; k++)
        {
            int column = columns[k];
            double entry = entries[k];
            int slot = k - 1;
            while (slot >= start && columns[slot] > column)
            {
                columns[slot + 1] = columns[slot];
                entries[slot + 1] = entries[slot];
                slot--;
            }
            columns[slot + 1] = column;
            entries[slot + 1] = entry;
        }
    }

    /// <summary>Entry (i, j), zero where none is stored. For tests and diagnostics, not for loops.</summary>
    public double this[int i, int j]
    {
        get
        {
            if ((uint)i >= (uint)Rows || (uint)j >= (uint)Columns)
                throw new ArgumentOutOfRangeException($"Entry ({i}, {j}) is outside a {Rows} x {Columns} matrix.");
            int k = Array.BinarySearch(columnIndices, rowPointers[i], rowPointers[i + 1] - rowPointers[i], j);
            return k >= 0 ? values[k] : 0.0;
        }
    }
}
