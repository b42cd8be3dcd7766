using static TorchSharp.torch;

namespace Physis.Differentiation;

/// <summary>A derivative of one output field: the field index and the multi-index of orders per coordinate.</summary>
public readonly record struct DerivativeRequest(int Field, MultiIndex Order);

/// <summary>
/// Computes network outputs and their derivatives with respect to the inputs. Problems ask for derivatives
/// by name only, so a faster engine (forward/Taylor mode, fused kernels) can replace nested autograd
/// without any problem definition changing.
/// </summary>
public interface IDifferentiationEngine
{
    /// <param name="network">maps points [n, d] to outputs [n, fields]</param>
    /// <param name="points">input points [n, d]</param>
    /// <param name="required">derivatives the caller will ask for; an engine may compute them ahead of time</param>
    /// <remarks>The results stay differentiable with respect to the network parameters, so a loss built from them can be trained.</remarks>
    IFieldDerivatives Evaluate(nn.Module<Tensor, Tensor> network, Tensor points, IReadOnlyCollection<DerivativeRequest> required);

    /// <summary>
    /// Stochastic estimates from here on draw from the stream of <paramref name="step"/>: a training step sees the same
    /// draws however often it evaluates the loss, and a resumed run the same draws as an uninterrupted one.
    /// </summary>
    void Draw(long step) { }
}

public interface IFieldDerivatives
{
    /// <summary>The network input used (derivatives are taken with respect to it).</summary>
    Tensor Points { get; }
    /// <summary>The requested derivative as a column [n, 1]; the zero multi-index is the field itself.</summary>
    Tensor Get(DerivativeRequest request);
    /// <summary>
    /// The Laplacian of a field over all input coordinates as a column [n, 1], exact or an unbiased estimate as the
    /// engine's <see cref="LaplacianEstimator"/> computes it; an estimate draws new directions once per evaluation.
    /// </summary>
    Tensor Laplacian(int field);
}
