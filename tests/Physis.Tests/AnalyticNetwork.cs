using static TorchSharp.torch;

namespace Physis.Tests;

/// <summary>A "network" that is a known function of its input, so derivatives and losses have exact values.</summary>
internal sealed class AnalyticNetwork(Func<Tensor, Tensor> function) : nn.Module<Tensor, Tensor>("analytic")
{
    public override Tensor forward(Tensor x) => function(x);

    /// <summary>Stacks per-field functions of the input columns into outputs [n, fields].</summary>
    public static AnalyticNetwork Of(params Func<Tensor[], Tensor>[] fields) =>
        new(x =>
        {
            var columns = Enumerable.Range(0, (int)x.shape[1]).Select(i => x[.., i]).ToArray();
            return stack(fields.Select(f => f(columns)).ToArray(), 1);
        });
}
