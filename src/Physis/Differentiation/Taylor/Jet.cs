using static TorchSharp.torch;

namespace Physis.Differentiation.Taylor;

/// <summary>
/// A truncated multivariate Taylor expansion at every point: the values of a layer's units and their partial
/// derivatives with respect to the network input for a set of multi-indices closed under lowering (if d²/dx² is in the
/// set, so are d/dx and the value; <see cref="JetLayout"/>). Each component is a tensor [n, w] of its own (views of one
/// stacked tensor would make every backward pass scatter into the whole stack), [1, w] where it is the same at every
/// point (the input's first derivatives and their images under the first layer), or null where it is zero (the input's
/// higher derivatives), so the first layer costs no more than a plain forward pass. Everything is a libtorch operation,
/// so autograd differentiates the whole expansion with respect to the parameters.
/// </summary>
public sealed class Jet
{
    private readonly Tensor?[] components;

    private Jet(JetLayout layout, Tensor?[] components) => (Layout, this.components) = (layout, components);

    public JetLayout Layout { get; }
    /// <summary>Component k, [n, w] or [1, w], is the derivative of multi-index <see cref="JetLayout.Orders"/>[k]; null where it is zero.</summary>
    public IReadOnlyList<Tensor?> Components => components;
    /// <summary>Units per point (the width of the layer).</summary>
    public long Width => components[0]!.shape[1];

    /// <summary>The derivative of multi-index <paramref name="order"/>, [n, w] or [1, w]; null where it is zero.</summary>
    public Tensor? this[MultiIndex order] => components[Layout.IndexOf(order)];

    /// <summary>A jet of the given components (null for zero), for a network that starts its jet past its first layer.</summary>
    public static Jet Of(JetLayout layout, IReadOnlyList<Tensor?> components) =>
        components.Count == layout.Orders.Count && components[0] is not null
            ? new Jet(layout, [.. components])
            : throw new ArgumentException($"A jet of {layout.Orders.Count} derivatives needs as many components, the value among them.");

    /// <summary>The jet of the input itself: x, its first derivatives the unit vectors (the same at every point), higher ones zero.</summary>
    public static Jet Input(Tensor points, JetLayout layout)
    {
        long d = points.shape[1];
        var parts = new Tensor?[layout.Orders.Count];
        for (int k = 0; k < parts.Length; k++)
        {
            var order = layout.Orders[k];
            if (order.IsZero) parts[k] = points;
            else if (order.TotalOrder == 1)
            {
                int c = Enumerable.Range(0, (int)d).First(i => order[i] == 1);
                var unit = zeros(1, d, points.dtype, points.device);
                unit[0, c] = 1;
                parts[k] = unit;
            }
        }
        return new Jet(layout, parts);
    }

    /// <summary>x W^T + b for every component: the bias enters the value only.</summary>
    public Jet Linear(Tensor weight, Tensor? bias) =>
        With([.. components.Select((c, k) => k == 0 ? nn.functional.linear(c!, weight, bias) : c?.matmul(weight.t()))]);

    /// <summary>Each unit scaled and shifted, scale [w] and shift [w]: a x + s; derivatives scale only.</summary>
    public Jet Affine(Tensor scale, Tensor shift) =>
        With([.. components.Select((c, k) => k == 0 ? c! * scale + shift : c is null ? null : c * scale)]);

    /// <summary>
    /// A pointwise function f of every unit, given f and its derivatives at the value (<paramref name="derivatives"/>
    /// returns f, f', ..., f^(m) at z for m the jet's highest order), by the layout's chain-rule plan: Faà di Bruno's
    /// formula in the form of repeated product rules, each d^a f^(k)(z) built once.
    /// </summary>
    public Jet Map(Func<Tensor, int, IReadOnlyList<Tensor>> derivatives)
    {
        var f = derivatives(components[0]!, Layout.MaxOrder);
        var memo = new Tensor?[Layout.MaxOrder + 1, components.Length];
        var done = new bool[Layout.MaxOrder + 1, components.Length];
        Tensor? D(int k, int m)
        {
            if (m == 0) return f[k];
            if (done[k, m]) return memo[k, m];
            Tensor? sum = null;
            foreach (var (lower, inner, weight) in Layout.Terms[m])
            {
                // Zero components (the input's higher derivatives) drop their terms.
                if (components[inner] is not { } z || D(k + 1, lower) is not { } outer) continue;
                var term = weight == 1 ? outer * z : outer * z * weight;
                sum = sum is null ? term : sum + term;
            }
            done[k, m] = true;
            return memo[k, m] = sum;
        }
        return With([.. Enumerable.Range(0, components.Length).Select(m => D(0, m))]);
    }

    /// <summary>The sum of two jets of one layout and width.</summary>
    public Jet Add(Jet other) => With([.. components.Zip(other.components, (a, b) => a is null ? b : b is null ? a : a + b)]);

    /// <summary>The difference of two jets of one layout and width.</summary>
    public Jet Subtract(Jet other) =>
        With([.. components.Zip(other.components, (a, b) => a is null ? b is null ? null : -b : b is null ? a : a - b)]);

    /// <summary>The unitwise product, by Leibniz's rule.</summary>
    public Jet Multiply(Jet other)
    {
        var parts = new Tensor?[components.Length];
        for (int m = 0; m < parts.Length; m++)
            foreach (var (left, right, weight) in Layout.ProductTerms[m])
            {
                if (components[left] is not { } u || other.components[right] is not { } v) continue;
                var term = weight == 1 ? u * v : u * v * weight;
                parts[m] = parts[m] is { } sum ? sum + term : term;
            }
        return With(parts);
    }

    /// <summary>Some of the units, in the order of <paramref name="units"/> (int64 indices).</summary>
    public Jet Select(Tensor units) => With([.. components.Select(c => c?.index_select(1, units))]);

    /// <summary>The units [start, start + count).</summary>
    public Jet Narrow(long start, long count) => With([.. components.Select(c => c?.narrow(1, start, count))]);

    /// <summary>The units of several jets of one layout side by side, in order.</summary>
    public static Jet Concat(IReadOnlyList<Jet> parts)
    {
        var layout = parts[0].Layout;
        var result = new Tensor?[parts[0].components.Length];
        for (int m = 0; m < result.Length; m++)
        {
            var present = parts.Select(p => p.components[m]).ToList();
            if (present.All(c => c is null)) continue;
            // A zero part becomes zeros, and parts the same at every point are spread over the rows the others have.
            long rows = present.Max(c => c?.shape[0] ?? 0);
            var reference = present.First(c => c is not null)!;
            result[m] = cat([.. present.Select((c, i) => c is null
                ? zeros(rows, parts[i].Width, reference.dtype, reference.device)
                : c.expand(rows, c.shape[1]))], 1);
        }
        return new Jet(layout, result);
    }

    private Jet With(Tensor?[] parts) => new(Layout, parts);
}
