using System.Numerics;

namespace Physis.Solvers.Spectral;

/// <summary>
/// A periodic 1D evolution equation u_t = L u + N(u) split for exponential integrators: L is a constant-
/// coefficient linear operator given by its Fourier symbol, and the nonlinear term has the form
/// N(u) = D g(u), with g pointwise and D a Fourier multiplier (for example D = -d/dx for a flux -(g)_x).
/// </summary>
public abstract class SpectralEquation1D
{
    /// <summary>Symbol of L at wavenumber k: the Fourier coefficient of L exp(ikx) over exp(ikx).</summary>
    public abstract Complex LinearSymbol(double k);

    /// <summary>False for linear equations, which then need no transforms between steps.</summary>
    public virtual bool HasNonlinearTerm => true;

    /// <summary>Symbol of the multiplier D at wavenumber k.</summary>
    public virtual Complex NonlinearSymbol(double k) => Complex.Zero;

    /// <summary>Overwrites u with g(u), point by point.</summary>
    public virtual void ApplyPointwise(Span<double> u) { }

    /// <summary>g(u) = u^2 (quadratic fluxes of Burgers, KdV and Kuramoto-Sivashinsky).</summary>
    protected static void Square(Span<double> u)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<double, Vector<double>>(u);
            for (int v = 0; v < vectors.Length; v++) vectors[v] *= vectors[v];
            i = vectors.Length * Vector<double>.Count;
        }
        for (; i < u.Length; i++) u[i] *= u[i];
    }

    protected static void CheckFinite(double value, string name)
    {
        if (!double.IsFinite(value))
            throw new ArgumentOutOfRangeException(name, value, $"Equation parameter {name} must be a finite number.");
    }

    protected static void CheckNonNegative(double value, string name)
    {
        CheckFinite(value, name);
        if (value < 0)
            throw new ArgumentOutOfRangeException(name, value,
                $"Equation parameter {name} must be non-negative (a negative diffusion makes the problem ill-posed).");
    }
}

/// <summary>Viscous Burgers equation u_t + u u_x = nu u_xx, i.e. L = nu d_xx, N(u) = -(u^2/2)_x.</summary>
public sealed class Burgers1D : SpectralEquation1D
{
    public double Viscosity { get; }

    public Burgers1D(double nu)
    {
        CheckNonNegative(nu, nameof(nu));
        Viscosity = nu;
    }

    public override Complex LinearSymbol(double k) => -Viscosity * k * k;
    public override Complex NonlinearSymbol(double k) => new(0, -0.5 * k);
    public override void ApplyPointwise(Span<double> u) => Square(u);
}

/// <summary>Korteweg-de Vries equation u_t + alpha u u_x + beta u_xxx = 0.</summary>
public sealed class Kdv1D : SpectralEquation1D
{
    public double Alpha { get; }
    public double Beta { get; }

    public Kdv1D(double alpha, double beta)
    {
        CheckFinite(alpha, nameof(alpha));
        CheckFinite(beta, nameof(beta));
        Alpha = alpha;
        Beta = beta;
    }

    // -beta (ik)^3 = i beta k^3: purely dispersive.
    public override Complex LinearSymbol(double k) => new(0, Beta * k * k * k);
    public override Complex NonlinearSymbol(double k) => new(0, -0.5 * Alpha * k);
    public override void ApplyPointwise(Span<double> u) => Square(u);
}

/// <summary>
/// Allen-Cahn equation u_t = d u_xx + r (u - u^3). The linear part d u_xx + r u goes into L so that the
/// exponential integrator treats the unstable growth exactly; N(u) = -r u^3.
/// </summary>
public sealed class AllenCahn1D : SpectralEquation1D
{
    public double Diffusion { get; }
    public double Reaction { get; }

    public AllenCahn1D(double diffusion, double reaction)
    {
        CheckNonNegative(diffusion, nameof(diffusion));
        CheckFinite(reaction, nameof(reaction));
        Diffusion = diffusion;
        Reaction = reaction;
    }

    public override Complex LinearSymbol(double k) => -Diffusion * k * k + Reaction;
    public override Complex NonlinearSymbol(double k) => -Reaction;

    public override void ApplyPointwise(Span<double> u)
    {
        for (int i = 0; i < u.Length; i++) u[i] = u[i] * u[i] * u[i];
    }
}

/// <summary>Kuramoto-Sivashinsky equation u_t = -u u_x - u_xx - u_xxxx.</summary>
public sealed class KuramotoSivashinsky1D : SpectralEquation1D
{
    public override Complex LinearSymbol(double k) => k * k - k * k * k * k;
    public override Complex NonlinearSymbol(double k) => new(0, -0.5 * k);
    public override void ApplyPointwise(Span<double> u) => Square(u);
}

/// <summary>Linear advection-diffusion u_t + c u_x = nu u_xx, solved exactly in time by the exponential.</summary>
public sealed class AdvectionDiffusion1D : SpectralEquation1D
{
    public double Velocity { get; }
    public double Viscosity { get; }

    public AdvectionDiffusion1D(double c, double nu)
    {
        CheckFinite(c, nameof(c));
        CheckNonNegative(nu, nameof(nu));
        Velocity = c;
        Viscosity = nu;
    }

    public override Complex LinearSymbol(double k) => new(-Viscosity * k * k, -Velocity * k);
    public override bool HasNonlinearTerm => false;
}
