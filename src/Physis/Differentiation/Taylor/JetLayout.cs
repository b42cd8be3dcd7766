namespace Physis.Differentiation.Taylor;

/// <summary>
/// Which derivatives a <see cref="Jet"/> holds, and the chain-rule plan for a pointwise function of it, worked out once
/// per set of requested derivatives rather than in every layer of every step.
/// </summary>
public sealed class JetLayout
{
    private readonly Dictionary<MultiIndex, int> index;

    private JetLayout(IReadOnlyList<MultiIndex> orders)
    {
        Orders = orders;
        index = orders.Select((o, k) => (o, k)).ToDictionary(p => p.o, p => p.k);
        Terms = [.. orders.Select(PlanOf)];
        ProductTerms = [.. orders.Select(o => Below(o).Select(g => (index[g], index[Subtract(o, g)], Binomial(o, g))).ToArray())];
        MaxOrder = orders[^1].TotalOrder;
    }

    /// <summary>The multi-indices held, zero first, by total order.</summary>
    public IReadOnlyList<MultiIndex> Orders { get; }
    public int MaxOrder { get; }

    /// <summary>
    /// For component m (order a = b + e_c, c its last coordinate): d^a f^(k)(z) = sum over g ≤ b of
    /// C(b, g) d^g f^(k+1)(z) d^(b - g + e_c) z, as (component of g, component of b - g + e_c, C(b, g)).
    /// Component 0 (the value) has no terms.
    /// </summary>
    internal IReadOnlyList<(int Lower, int Inner, double Weight)[]> Terms { get; }

    /// <summary>For component m (order a), Leibniz's rule d^a (u v) = sum over g ≤ a of C(a, g) d^g u d^(a - g) v as (g, a - g, C(a, g)).</summary>
    internal IReadOnlyList<(int Left, int Right, double Weight)[]> ProductTerms { get; }

    public int IndexOf(MultiIndex order) => index.TryGetValue(order, out int k)
        ? k
        : throw new ArgumentException($"The jet holds no derivative {order}; it holds {string.Join(", ", Orders)}.");

    public bool Holds(MultiIndex order) => index.ContainsKey(order);

    /// <summary>A function of one variable to second order: value, first and second derivative (along lines).</summary>
    public static JetLayout SecondOrderAlongLines { get; } = For([new MultiIndex(2)], 1);

    /// <summary>The layout of <paramref name="orders"/> and every multi-index below one of them.</summary>
    public static JetLayout For(IEnumerable<MultiIndex> orders, int dimension) => new(Closure(orders, dimension));

    /// <summary>The set <paramref name="orders"/> and every multi-index below one of them, zero first, by total order.</summary>
    public static IReadOnlyList<MultiIndex> Closure(IEnumerable<MultiIndex> orders, int dimension)
    {
        var closed = new HashSet<MultiIndex> { MultiIndex.Zero(dimension) };
        var pending = new Stack<MultiIndex>(orders);
        while (pending.Count > 0)
        {
            var order = pending.Pop();
            if (order.Dimension != dimension)
                throw new ArgumentException($"Derivative order {order} has {order.Dimension} coordinates but the points have {dimension}.");
            if (!closed.Add(order)) continue;
            for (int c = 0; c < dimension; c++)
                if (order[c] > 0) pending.Push(Lowered(order, c));
        }
        return [.. closed.OrderBy(o => o.TotalOrder).ThenBy(o => o.ToString(), StringComparer.Ordinal)];
    }

    private (int Lower, int Inner, double Weight)[] PlanOf(MultiIndex order)
    {
        if (order.IsZero) return [];
        int c = LastCoordinate(order);
        var parent = Lowered(order, c);
        return [.. Below(parent).Select(lower => (index[lower], index[Subtract(parent, lower).Raise(c)], Binomial(parent, lower)))];
    }

    private static int LastCoordinate(MultiIndex order)
    {
        for (int c = order.Dimension - 1; c >= 0; c--)
            if (order[c] > 0) return c;
        throw new InvalidOperationException("The zero multi-index has no coordinate.");
    }

    /// <summary><paramref name="order"/> one lower in coordinate <paramref name="c"/>.</summary>
    private static MultiIndex Lowered(MultiIndex order, int c)
    {
        var orders = Enumerable.Range(0, order.Dimension).Select(i => order[i]).ToArray();
        orders[c]--;
        return new MultiIndex(orders);
    }

    private static MultiIndex Subtract(MultiIndex a, MultiIndex b) =>
        new([.. Enumerable.Range(0, a.Dimension).Select(i => a[i] - b[i])]);

    /// <summary>Every multi-index g with g ≤ <paramref name="order"/> componentwise.</summary>
    private static IEnumerable<MultiIndex> Below(MultiIndex order)
    {
        IEnumerable<int[]> partial = [[]];
        for (int c = 0; c < order.Dimension; c++)
        {
            int top = order[c];
            partial = partial.SelectMany(p => Enumerable.Range(0, top + 1).Select(v => (int[])[.. p, v])).ToList();
        }
        return partial.Select(p => new MultiIndex(p));
    }

    /// <summary>The product over coordinates of the binomial coefficients C(a_c, b_c).</summary>
    private static double Binomial(MultiIndex a, MultiIndex b)
    {
        double product = 1;
        for (int c = 0; c < a.Dimension; c++)
            for (int i = 0; i < b[c]; i++) product = product * (a[c] - i) / (i + 1);
        return product;
    }
}
