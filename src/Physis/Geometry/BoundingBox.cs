namespace Physis.Geometry;

/// <summary>The axis-aligned box [Min, Max] that encloses a geometry.</summary>
public sealed record BoundingBox(double[] Min, double[] Max)
{
    public int Dimension { get; } = Min.Length == Max.Length
        ? Min.Length
        : throw new ArgumentException($"Bounding box corners have different dimensions ({Min.Length} and {Max.Length}); "
            + "give both corners the same number of coordinates.");

    public double Volume
    {
        get
        {
            var volume = 1.0;
            for (var i = 0; i < Dimension; i++)
                volume *= Max[i] - Min[i];
            return volume;
        }
    }

    /// <summary>Whether <paramref name="point"/> lies in the closed box, without tolerance.</summary>
    public bool Contains(ReadOnlySpan<double> point)
    {
        for (var i = 0; i < Dimension; i++)
            if (!(point[i] >= Min[i] && point[i] <= Max[i]))
                return false;
        return true;
    }
}

/// <summary>Points on a boundary and the outward unit normals there, both [count, dimension].</summary>
public sealed record BoundarySample(double[,] Points, double[,] Normals)
{
    public int Count => Points.GetLength(0);
}
