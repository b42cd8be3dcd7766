using Physis.Differentiation.Taylor;
using static TorchSharp.torch;

namespace Physis.Networks.Layers;

/// <summary>
/// An activation and its derivatives up to a given order at the same points, as Taylor mode needs them
/// (<see cref="Differentiation.Taylor.Jet.Map"/>). tanh and the sigmoid inside SiLU have derivatives that are
/// polynomials in their own value; sin's cycle; GELU's come from the Hermite polynomials times the normal density.
/// </summary>
public static class ActivationDerivatives
{
    /// <summary>The activation of every unit of a jet.</summary>
    public static Jet Apply(this Activation activation, Jet z) => z.Map((value, order) => Of(activation, value, order));

    /// <summary>cos of every unit of a jet (cos^(k) = sin^(k+1)).</summary>
    public static Jet Cosine(Jet z) => z.Map((value, order) => [.. Of(Activation.Sin, value, order + 1).Skip(1)]);

    /// <summary>f, f', ..., f^(order) at <paramref name="z"/>.</summary>
    public static IReadOnlyList<Tensor> Of(Activation activation, Tensor z, int order) => activation switch
    {
        Activation.Tanh => Tanh(z, order),
        Activation.Sin => [.. Enumerable.Range(0, order + 1).Select(k => (k % 4) switch
        {
            0 => z.sin(),
            1 => z.cos(),
            2 => -z.sin(),
            _ => -z.cos(),
        })],
        Activation.Silu => Silu(z, order),
        Activation.Gelu => Gelu(z, order),
        // Piecewise linear: its second and higher derivatives vanish wherever they exist.
        Activation.Relu => [nn.functional.relu(z), .. Enumerable.Range(1, order).Select(k => k == 1 ? (z > 0).to(z.dtype) : zeros_like(z))],
        _ => throw new NotSupportedException(activation.ToString()),
    };

    /// <summary>
    /// tanh^(k) = p_k(t) with t = tanh z, p_0(t) = t and p_(k+1)(t) = p_k'(t) (1 - t^2); the first three in their
    /// shortest forms (1 - t^2, -2 t (1 - t^2), (1 - t^2)(6 t^2 - 2)), as every PINN step evaluates them in every layer.
    /// </summary>
    private static Tensor[] Tanh(Tensor z, int order)
    {
        var t = z.tanh();
        if (order == 0) return [t];
        var square = t * t;
        var first = 1 - square;
        var result = new List<Tensor> { t, first };
        if (order >= 2) result.Add(t * first * -2);
        if (order >= 3) result.Add(first * (square * 6 - 2));
        if (order >= 4) result.AddRange(InOwnValue(t, [0, 1], [1, 0, -1], order, from: 4));
        return [.. result];
    }

    /// <summary>silu = z s(z), s the sigmoid: silu^(k) = z s^(k) + k s^(k-1), with s^(k) polynomials in s (s' = s - s^2).</summary>
    private static Tensor[] Silu(Tensor z, int order)
    {
        var s = z.sigmoid();
        var sigmoid = InOwnValue(s, [0, 1], [0, 1, -1], order);
        return [z * s, .. Enumerable.Range(1, order).Select(k => z * sigmoid[k] + k * sigmoid[k - 1])];
    }

    /// <summary>
    /// gelu = z Phi(z): gelu^(k) = z Phi^(k) + k Phi^(k-1), with Phi' = phi and phi^(m) = (-1)^m He_m(z) phi, He the
    /// probabilists' Hermite polynomials (He_(m+1) = z He_m - m He_(m-1)).
    /// </summary>
    private static Tensor[] Gelu(Tensor z, int order)
    {
        var density = (z * z * -0.5).exp() * (1 / Math.Sqrt(2 * Math.PI));
        var cumulative = (special.erf(z * (1 / Math.Sqrt(2))) + 1) * 0.5;
        // Phi^(k) for k = 0 .. order: Phi, then phi^(k-1).
        var phi = new Tensor[order + 1];
        phi[0] = cumulative;
        Tensor hermitePrevious = ones_like(z), hermite = z;
        for (int k = 1; k <= order; k++)
        {
            int m = k - 1;
            var he = m == 0 ? hermitePrevious : m == 1 ? hermite : Next(ref hermitePrevious, ref hermite, z, m);
            phi[k] = m % 2 == 0 ? he * density : -he * density;
        }
        return [z * cumulative, .. Enumerable.Range(1, order).Select(k => z * phi[k] + k * phi[k - 1])];

        static Tensor Next(ref Tensor previous, ref Tensor current, Tensor z, int m)
        {
            // He_m = z He_(m-1) - (m - 1) He_(m-2)
            var next = z * current - (m - 1) * previous;
            (previous, current) = (current, next);
            return next;
        }
    }

    /// <summary>
    /// Derivatives of a function whose derivative is a polynomial q in its own value v (v' = q(v)): each derivative is a
    /// polynomial p_k(v), p_(k+1) = p_k' q; coefficients lowest power first.
    /// </summary>
    /// <returns>p_k(v) for k = <paramref name="from"/> .. <paramref name="order"/></returns>
    private static Tensor[] InOwnValue(Tensor v, double[] first, double[] q, int order, int from = 0)
    {
        var result = new Tensor[order + 1 - from];
        var p = first;
        for (int k = 0; k <= order; k++)
        {
            if (k >= from) result[k - from] = Horner(p, v);
            p = Multiply(Differentiate(p), q);
        }
        return result;
    }

    private static double[] Differentiate(double[] p) => p.Length <= 1 ? [0] : [.. Enumerable.Range(1, p.Length - 1).Select(i => i * p[i])];

    private static double[] Multiply(double[] a, double[] b)
    {
        var product = new double[a.Length + b.Length - 1];
        for (int i = 0; i < a.Length; i++)
            for (int j = 0; j < b.Length; j++) product[i + j] += a[i] * b[j];
        return product;
    }

    /// <summary>p(v) by Horner's rule, adding only the nonzero coefficients.</summary>
    private static Tensor Horner(double[] p, Tensor v)
    {
        int top = p.Length - 1;
        while (top > 0 && p[top] == 0) top--;
        if (top == 0) return full_like(v, p[0]);
        var result = v * p[top];
        for (int i = top - 1; i >= 0; i--)
        {
            if (p[i] != 0) result = result + p[i];
            if (i > 0) result = result * v;
        }
        return result;
    }
}
