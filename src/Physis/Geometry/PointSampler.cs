namespace Physis.Geometry;

/// <summary>
/// A seeded, stateful source of points in the unit cube [0, 1)^d. Successive calls continue the
/// stream, so each call gives new points; the same seed and the same sequence of calls give the same numbers.
/// </summary>
public sealed class PointSampler
{
    private static readonly double BelowOne = Math.BitDecrement(1.0);

    private readonly Xoshiro256 _random;
    private long _nextIndex; // position in the Sobol or Halton sequence

    public PointSampler(SamplingMethod method, int seed)
    {
        if (!Enum.IsDefined(method))
            throw new ArgumentException($"Unknown sampling method {(int)method}; use one of {string.Join(", ", Enum.GetNames<SamplingMethod>())}.",
                nameof(method));
        Method = method;
        Seed = seed;
        _random = new Xoshiro256(seed);
    }

    public SamplingMethod Method { get; }

    public int Seed { get; }

    /// <summary>Largest dimension the Sobol sampler supports; use Halton or another method beyond it.</summary>
    public static int MaxSobolDimension => SobolSequence.MaxDimension;

    /// <summary>Returns <paramref name="count"/> points of [0, 1)^<paramref name="dimension"/> as a [count, dimension] array.</summary>
    public double[,] UnitCube(int count, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (dimension < 1)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The dimension of the unit cube must be at least 1.");
        if (Method == SamplingMethod.Sobol && dimension > SobolSequence.MaxDimension)
            throw new ArgumentException($"Sobol sampling supports at most {SobolSequence.MaxDimension} dimensions, {dimension} were asked for; "
                + "use SamplingMethod.Halton or Uniform for more.", nameof(dimension));

        var points = new double[count, dimension];
        switch (Method)
        {
            case SamplingMethod.Uniform:
                for (var i = 0; i < count; i++)
                    for (var j = 0; j < dimension; j++)
                        points[i, j] = _random.NextDouble();
                break;
            case SamplingMethod.LatinHypercube:
                FillLatinHypercube(points);
                break;
            case SamplingMethod.Sobol:
                FillSobol(points);
                break;
            case SamplingMethod.Halton:
                FillHalton(points);
                break;
            case SamplingMethod.Hammersley:
                FillHammersley(points);
                break;
        }
        return points;
    }

    private void FillLatinHypercube(double[,] points)
    {
        int count = points.GetLength(0), dimension = points.GetLength(1);
        var strata = new int[count];
        for (var j = 0; j < dimension; j++)
        {
            for (var i = 0; i < count; i++)
                strata[i] = i;
            for (var i = count - 1; i > 0; i--) // Fisher-Yates
            {
                var k = _random.NextInt(i + 1);
                (strata[i], strata[k]) = (strata[k], strata[i]);
            }
            for (var i = 0; i < count; i++) // (stratum + u) / count can round up to 1 when u is close to 1
                points[i, j] = Math.Min((strata[i] + _random.NextDouble()) / count, BelowOne);
        }
    }

    private void FillSobol(double[,] points)
    {
        int count = points.GetLength(0), dimension = points.GetLength(1);
        if (_nextIndex + count > SobolSequence.MaxPoints)
            throw new InvalidOperationException($"This Sobol sampler has used {_nextIndex} of its {SobolSequence.MaxPoints} points; "
                + "create a new PointSampler with another seed.");
        Span<uint> shifts = stackalloc uint[dimension];
        for (var j = 0; j < dimension; j++)
            shifts[j] = (uint)(DimensionHash(j) >> 32);
        SobolSequence.Fill(points, _nextIndex, shifts);
        _nextIndex += count;
    }

    private void FillHalton(double[,] points)
    {
        int count = points.GetLength(0), dimension = points.GetLength(1);
        for (var j = 0; j < dimension; j++)
        {
            var prime = Primes.Get(j);
            var shift = ToUnit(DimensionHash(j));
            for (var i = 0; i < count; i++)
                points[i, j] = AddModuloOne(RadicalInverse(_nextIndex + i, prime), shift);
        }
        _nextIndex += count;
    }

    private void FillHammersley(double[,] points)
    {
        int count = points.GetLength(0), dimension = points.GetLength(1);
        for (var j = 0; j < dimension; j++)
        {
            // A new random shift per call makes each call a fresh Hammersley set.
            var shift = _random.NextDouble();
            var prime = j == 0 ? 0 : Primes.Get(j - 1);
            for (var i = 0; i < count; i++)
                points[i, j] = AddModuloOne(j == 0 ? (double)i / count : RadicalInverse(i, prime), shift);
        }
    }

    // The shift of dimension j depends only on the seed and j, so it does not matter how calls mix dimensions.
    private ulong DimensionHash(int dimension)
    {
        var state = (ulong)Seed * 0xD1B54A32D192ED03UL + (ulong)dimension;
        return Xoshiro256.SplitMix64(ref state);
    }

    private static double ToUnit(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));

    private static double AddModuloOne(double a, double b)
    {
        var sum = a + b;
        return sum >= 1.0 ? sum - 1.0 : sum;
    }

    /// <summary>The digits of <paramref name="index"/> in base <paramref name="radix"/> mirrored about the radix point.</summary>
    private static double RadicalInverse(long index, int radix)
    {
        double inverse = 0, weight = 1.0 / radix;
        for (; index > 0; index /= radix, weight /= radix)
            inverse += index % radix * weight;
        return inverse;
    }

    private static class Primes
    {
        private static readonly List<int> Known = [2];
        private static readonly Lock Guard = new();

        public static int Get(int position)
        {
            lock (Guard)
            {
                for (var candidate = Known[^1] + 1; Known.Count <= position; candidate++)
                    if (Known.TakeWhile(p => p * p <= candidate).All(p => candidate % p != 0))
                        Known.Add(candidate);
                return Known[position];
            }
        }
    }
}
