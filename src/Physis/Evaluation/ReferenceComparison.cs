using Physis.Problems;

namespace Physis.Evaluation;

/// <summary>
/// A trained network measured against a reference: its prediction per field at the reference points, each field's
/// relative L2 error, and the combined error sqrt(sum ||u_pred - u_ref||^2 / sum ||u_ref||^2) over all fields
/// (which is the plain relative L2 error for a single field). Points where the reference gives no value are skipped.
/// </summary>
public sealed record ReferenceComparison(IReadOnlyDictionary<string, double[]> Prediction, IReadOnlyDictionary<string, double> FieldErrors,
    double RelativeL2)
{

    /// <param name="predict">outputs [n, fields] at points [n, dimension]</param>
    public static ReferenceComparison Of(PdeProblem problem, Func<double[,], double[,]> predict, ReferenceSolution reference)
    {
        foreach (var field in reference.Values.Keys)
            if (!problem.Fields.Contains(field))
                throw new ArgumentException($"The reference gives field '{field}', "
                    + $"which the problem does not have ({string.Join(", ", problem.Fields)}).");
        var output = predict(reference.Points);
        var prediction = new Dictionary<string, double[]>();
        var errors = new Dictionary<string, double>();
        double errorSum = 0, normSum = 0;
        for (int f = 0; f < problem.Fields.Count; f++)
        {
            string field = problem.Fields[f];
            var values = new double[reference.Count];
            for (int k = 0; k < values.Length; k++) values[k] = output[k, f];
            prediction[field] = values;
            if (!reference.Values.TryGetValue(field, out var exact)) continue;
            double error = 0, norm = 0;
            for (int k = 0; k < values.Length; k++)
            {
                if (double.IsNaN(exact[k])) continue;
                error += (values[k] - exact[k]) * (values[k] - exact[k]);
                norm += exact[k] * exact[k];
            }
            if (norm == 0) throw new ArgumentException($"The reference for field '{field}' is identically zero, so a relative error is undefined.");
            errors[field] = Math.Sqrt(error / norm);
            errorSum += error;
            normSum += norm;
        }
        if (errors.Count == 0) throw new ArgumentException("The reference gives none of the problem's fields.");
        return new ReferenceComparison(prediction, errors, Math.Sqrt(errorSum / normSum));
    }
}
