namespace Physis.Differentiation;

/// <summary>Orders of a partial derivative per input coordinate: (2, 0) is d²/dx², (1, 1) is d²/dxdt.</summary>
public readonly record struct MultiIndex
{
    private readonly int[] orders;

    public MultiIndex(params int[] orders)
    {
        if (orders.Any(o => o < 0)) throw new ArgumentException("Derivative orders must be non-negative.", nameof(orders));
        this.orders = (int[])orders.Clone();
    }

    public static MultiIndex Zero(int dimension) => new(new int[dimension]);

    public int Dimension => orders?.Length ?? 0;
    public int this[int coordinate] => orders[coordinate];
    public int TotalOrder => orders?.Sum() ?? 0;
    public bool IsZero => TotalOrder == 0;

    public MultiIndex Raise(int coordinate)
    {
        var raised = (int[])orders.Clone();
        raised[coordinate]++;
        return new MultiIndex(raised);
    }

    /// <summary>The index one order lower and the coordinate that was removed; the chain of parents reaches zero.</summary>
    public (MultiIndex Parent, int Coordinate) Lower()
    {
        if (IsZero) throw new InvalidOperationException("The zero multi-index has no parent.");
        int last = Array.FindLastIndex(orders, o => o > 0);
        var lowered = (int[])orders.Clone();
        lowered[last]--;
        return (new MultiIndex(lowered), last);
    }

    public bool Equals(MultiIndex other) => orders.AsSpan().SequenceEqual(other.orders);
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int o in orders) hash.Add(o);
        return hash.ToHashCode();
    }

    public override string ToString() => $"({string.Join(",", orders)})";
}
