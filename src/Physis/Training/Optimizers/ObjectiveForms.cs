using static TorchSharp.torch;

namespace Physis.Training.Optimizers;

/// <summary>Evaluates every loss term at the current parameters, each weighted as in the total, with its autograd graph and without backward.</summary>
public delegate Tensor[] TermsClosure();

/// <summary>Evaluates the residual vector r whose squared norm is the weighted total loss, with its autograd graph and without backward.</summary>
public delegate Tensor ResidualClosure();

/// <summary>An optimizer that treats the loss terms separately (for example one Adam moment per term group).</summary>
public interface ITermwiseOptimizer : IPinnOptimizer
{
    bool Step(TermsClosure terms);
}

/// <summary>An optimizer for least-squares losses that uses the residual vector and its Jacobian (Gauss-Newton, natural gradient).</summary>
public interface IResidualOptimizer : IPinnOptimizer
{
    bool Step(ResidualClosure residuals);
}
