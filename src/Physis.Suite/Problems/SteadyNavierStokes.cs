using Physis.Problems;

namespace Physis.Suite.Problems;

/// <summary>Residuals of the steady incompressible Navier-Stokes equations in (u, v, p) at Reynolds number Re.</summary>
internal static class SteadyNavierStokes
{
    public static readonly string[] Fields = ["u", "v", "p"];

    public static Func<Terms, IReadOnlyList<Expr>> Residuals(double reynolds) => f =>
    [
        f["u"] * f.Dx("u") + f["v"] * f.Dy("u") + f.Dx("p") - 1 / reynolds * f.Laplacian("u"),
        f["u"] * f.Dx("v") + f["v"] * f.Dy("v") + f.Dy("p") - 1 / reynolds * f.Laplacian("v"),
        f.Dx("u") + f.Dy("v"),
    ];
}
