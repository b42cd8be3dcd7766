using Physis.Differentiation;

namespace Physis.Problems;

/// <summary>
/// The vocabulary a residual is written in: output fields, their derivatives by coordinate name, coordinates
/// and boundary normals. <c>f.Dt("u") + f["u"] * f.Dx("u") - nu * f.Dxx("u")</c> reads like the PDE.
/// </summary>
public sealed class Terms
{
    public Terms(IReadOnlyList<string> coordinates, IReadOnlyList<string> fields, int spatialDimension)
    {
        Coordinates = coordinates;
        Fields = fields;
        SpatialDimension = spatialDimension;
    }

    public IReadOnlyList<string> Coordinates { get; }
    public IReadOnlyList<string> Fields { get; }
    /// <summary>Number of leading coordinates that are spatial (time, when present, is the last coordinate).</summary>
    public int SpatialDimension { get; }

    public Expr this[string field] => D(field);

    public Expr Coordinate(string name) => new Coordinate(CoordinateIndex(name), name);
    public Expr X => Coordinate("x");
    public Expr Y => Coordinate("y");
    public Expr Z => Coordinate("z");
    public Expr T => Coordinate("t");

    /// <summary>Partial derivative of a field by the listed coordinates, in any order: D("u", "x", "x", "t") is u_xxt.</summary>
    public Expr D(string field, params string[] coordinates)
    {
        int fieldIndex = FieldIndex(field);
        var orders = new int[Coordinates.Count];
        foreach (string c in coordinates) orders[CoordinateIndex(c)]++;
        string label = coordinates.Length == 0 ? field : $"{field}_{string.Concat(coordinates)}";
        return new FieldDerivative(fieldIndex, new MultiIndex(orders), label);
    }

    /// <summary>A complex field's value (<see cref="ComplexField"/>).</summary>
    public ComplexExpr this[ComplexField field] => field.D(this);
    public ComplexExpr D(ComplexField field, params string[] coordinates) => field.D(this, coordinates);
    public ComplexExpr Dt(ComplexField field) => field.D(this, "t");
    public ComplexExpr Dx(ComplexField field) => field.D(this, "x");
    public ComplexExpr Dxx(ComplexField field) => field.D(this, "x", "x");

    public Expr Dx(string field) => D(field, "x");
    public Expr Dy(string field) => D(field, "y");
    public Expr Dz(string field) => D(field, "z");
    public Expr Dt(string field) => D(field, "t");
    public Expr Dxx(string field) => D(field, "x", "x");
    public Expr Dyy(string field) => D(field, "y", "y");
    public Expr Dzz(string field) => D(field, "z", "z");
    public Expr Dtt(string field) => D(field, "t", "t");

    /// <summary>Sum of second derivatives over the spatial coordinates.</summary>
    public Expr Laplacian(string field)
    {
        Expr sum = D(field, Coordinates[0], Coordinates[0]);
        for (int i = 1; i < SpatialDimension; i++) sum += D(field, Coordinates[i], Coordinates[i]);
        return sum;
    }

    /// <summary>
    /// The Laplacian over every coordinate as one node (<see cref="FieldLaplacian"/>), which the loss computes exactly or
    /// estimates as its settings say; use it for high-dimensional problems, where the d second derivatives of
    /// <see cref="Laplacian"/> are too many.
    /// </summary>
    public Expr LaplacianOperator(string field) => new FieldLaplacian(FieldIndex(field), field);

    /// <summary>Outward normal derivative grad(u)·n over the spatial coordinates (boundary conditions only).</summary>
    public Expr NormalDerivative(string field)
    {
        Expr sum = D(field, Coordinates[0]) * new NormalComponent(0);
        for (int i = 1; i < SpatialDimension; i++) sum += D(field, Coordinates[i]) * new NormalComponent(i);
        return sum;
    }

    public int FieldIndex(string field)
    {
        for (int i = 0; i < Fields.Count; i++) if (Fields[i] == field) return i;
        throw new ArgumentException($"Unknown field '{field}'. This problem's fields are: {string.Join(", ", Fields)}.");
    }

    public int CoordinateIndex(string name)
    {
        for (int i = 0; i < Coordinates.Count; i++) if (Coordinates[i] == name) return i;
        throw new ArgumentException($"Unknown coordinate '{name}'. This problem's coordinates are: {string.Join(", ", Coordinates)}.");
    }
}
