namespace Physis.Geometry;

/// <summary>
/// The Sobol sequence in base 2 with 32-bit direction numbers. Dimension 1 is van der Corput;
/// dimensions 2 to <see cref="MaxDimension"/> use the primitive polynomials and initial direction
/// numbers of Joe and Kuo (2008, file new-joe-kuo-6.21201), chosen for good two-dimensional projections.
/// </summary>
internal static class SobolSequence
{
    private const int Bits = 32;

    // One row per dimension from 2: degree s of the primitive polynomial, its interior coefficients a
    // (a_1 is the most significant bit), then the initial odd direction integers m_1..m_s.
    private static readonly int[][] JoeKuo =
    [
        [1, 0, 1],
        [2, 1, 1, 3],
        [3, 1, 1, 3, 1],
        [3, 2, 1, 1, 1],
        [4, 1, 1, 1, 3, 3],
        [4, 4, 1, 3, 5, 13],
        [5, 2, 1, 1, 5, 5, 17],
        [5, 4, 1, 1, 5, 5, 5],
        [5, 7, 1, 1, 7, 11, 19],
        [5, 11, 1, 1, 5, 1, 1],
        [5, 13, 1, 1, 1, 3, 11],
        [5, 14, 1, 3, 5, 5, 31],
        [6, 1, 1, 3, 3, 9, 7, 49],
        [6, 13, 1, 1, 1, 15, 21, 21],
        [6, 16, 1, 3, 1, 13, 27, 49],
        [6, 19, 1, 1, 1, 15, 7, 5],
        [6, 22, 1, 3, 1, 15, 13, 25],
        [6, 25, 1, 1, 5, 5, 19, 61],
        [7, 1, 1, 3, 7, 11, 23, 15, 103],
        [7, 4, 1, 3, 7, 13, 13, 15, 69],
        [7, 7, 1, 1, 3, 13, 7, 35, 63],
        [7, 8, 1, 3, 5, 9, 1, 25, 53],
        [7, 14, 1, 3, 1, 13, 9, 35, 107],
        [7, 19, 1, 3, 1, 5, 27, 61, 31],
        [7, 21, 1, 1, 5, 11, 19, 41, 61],
        [7, 28, 1, 3, 5, 3, 3, 13, 69],
        [7, 31, 1, 1, 7, 13, 1, 19, 1],
        [7, 32, 1, 3, 7, 5, 13, 19, 59],
        [7, 37, 1, 1, 3, 9, 25, 29, 41],
        [7, 41, 1, 3, 5, 13, 23, 1, 55],
        [7, 42, 1, 3, 7, 3, 13, 59, 17],
        [7, 50, 1, 3, 1, 3, 5, 53, 69],
        [7, 55, 1, 1, 5, 5, 23, 33, 13],
        [7, 56, 1, 1, 7, 7, 1, 61, 123],
        [7, 59, 1, 1, 7, 9, 13, 61, 49],
        [7, 62, 1, 3, 3, 5, 3, 55, 33],
        [8, 14, 1, 3, 1, 15, 31, 13, 49, 245],
        [8, 21, 1, 3, 5, 15, 31, 59, 63, 97],
        [8, 22, 1, 3, 1, 11, 11, 11, 77, 249],
    ];

    public static int MaxDimension => JoeKuo.Length + 1;

    /// <summary>Largest number of points before the 32-bit sequence repeats.</summary>
    public const long MaxPoints = 1L << Bits;

    // directions[j][k] = v_{k+1} of dimension j + 1, scaled by 2^32.
    private static readonly uint[][] Directions = BuildDirections();

    private static uint[][] BuildDirections()
    {
        var directions = new uint[MaxDimension][];
        directions[0] = new uint[Bits];
        for (var k = 0; k < Bits; k++)
            directions[0][k] = 1u << (Bits - 1 - k);

        for (var j = 1; j < MaxDimension; j++)
        {
            var row = JoeKuo[j - 1];
            int s = row[0], a = row[1];
            var m = new uint[Bits];
            for (var k = 0; k < s; k++)
                m[k] = (uint)row[2 + k];
            // m_k = 2 a_1 m_{k-1} ^ 4 a_2 m_{k-2} ^ ... ^ 2^{s-1} a_{s-1} m_{k-s+1} ^ 2^s m_{k-s} ^ m_{k-s}
            for (var k = s; k < Bits; k++)
            {
                var value = m[k - s] ^ (m[k - s] << s);
                for (var i = 1; i < s; i++)
                    if (((a >> (s - 1 - i)) & 1) != 0)
                        value ^= m[k - i] << i;
                m[k] = value;
            }
            directions[j] = new uint[Bits];
            for (var k = 0; k < Bits; k++)
                directions[j][k] = m[k] << (Bits - 1 - k);
        }
        return directions;
    }

    /// <summary>
    /// Writes points <paramref name="start"/> .. start + count - 1 of the sequence (Gray-code order,
    /// so consecutive points differ by one direction number), each coordinate XOR-ed with its shift.
    /// </summary>
    public static void Fill(double[,] points, long start, ReadOnlySpan<uint> shifts)
    {
        int count = points.GetLength(0), dimension = points.GetLength(1);
        if (count == 0)
            return;
        const double scale = 1.0 / (1UL << Bits);
        var gray = (ulong)(start ^ (start >> 1));
        for (var j = 0; j < dimension; j++)
        {
            var v = Directions[j];
            var x = shifts[j];
            for (var k = 0; gray >> k != 0; k++)
                if (((gray >> k) & 1) != 0)
                    x ^= v[k];
            points[0, j] = x * scale;
            for (var i = 1; i < count; i++)
            {
                x ^= v[System.Numerics.BitOperations.TrailingZeroCount((ulong)(start + i))];
                points[i, j] = x * scale;
            }
        }
    }
}
