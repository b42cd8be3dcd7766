namespace Physis.Evaluation;

public static class Metrics
{
    /// <summary>||prediction - reference||_2 / ||reference||_2 over all points.</summary>
    public static double RelativeL2(ReadOnlySpan<double> prediction, ReadOnlySpan<double> reference)
    {
        if (prediction.Length != reference.Length)
            throw new ArgumentException($"Prediction has {prediction.Length} values but the reference has {reference.Length}.");
        double error = 0, norm = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double d = prediction[i] - reference[i];
            error += d * d;
            norm += reference[i] * reference[i];
        }
        if (norm == 0) throw new ArgumentException("The reference is identically zero, so a relative error is undefined.");
        return Math.Sqrt(error / norm);
    }

    public static double RelativeL2(double[,] prediction, double[,] reference) =>
        RelativeL2(Flatten(prediction), Flatten(reference));

    public static double[] Flatten(double[,] values)
    {
        var flat = new double[values.Length];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(double));
        return flat;
    }
}
