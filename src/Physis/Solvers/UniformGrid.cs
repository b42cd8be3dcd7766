namespace Physis.Solvers;

public static class UniformGrid
{
    /// <summary><paramref name="count"/> evenly spaced values from start to stop, both included.</summary>
    public static double[] Linspace(double start, double stop, int count)
    {
        if (count < 2) throw new ArgumentException($"Linspace needs at least two points, got {count}.");
        double step = (stop - start) / (count - 1);
        var values = new double[count];
        for (int i = 0; i < count; i++) values[i] = start + i * step;
        values[^1] = stop;
        return values;
    }
}
