using static TorchSharp.torch;

namespace Physis.Differentiation;

/// <summary>
/// Nested reverse-mode autograd. Points are independent rows, so the gradient of a column's sum gives that column's
/// partial derivatives at every point in one backward pass; each gradient yields all d first partials of its parent,
/// and every intermediate derivative is cached, so u_x, u_t and u_xx cost two passes, not three. Whole Laplacians
/// (<see cref="IFieldDerivatives.Laplacian"/>) come from a <see cref="LaplacianEstimator"/>, exact unless the engine is
/// given a stochastic one; a network that is an <see cref="ILineFunction"/> lets the Taylor kinds use its line form.
/// </summary>
public sealed class AutogradEngine(LaplacianEstimatorOptions? laplacian = null) : IDifferentiationEngine
{
    public const string Name = "autograd";

    private readonly LaplacianEstimator estimator = new(laplacian ?? new LaplacianEstimatorOptions(LaplacianEstimatorKind.Exact));

    public LaplacianEstimatorOptions Laplacian => estimator.Options;

    public void Draw(long step) => estimator.Reseed(step);

    public IFieldDerivatives Evaluate(nn.Module<Tensor, Tensor> network, Tensor points, IReadOnlyCollection<DerivativeRequest> required)
    {
        // The input records a graph, so derivatives asked for later than declared are still available; but a caller that
        // declares only values (with whole Laplacians, estimated at points of their own) gets an input outside the graph,
        // which spares the backward pass the input's gradient: a pass over the first layer, costly when d is large.
        bool inGraph = points.requires_grad || required.Count == 0 || required.Any(r => !r.Order.IsZero);
        var input = points.requires_grad || !inGraph ? points : points.detach().requires_grad_(true);
        var outputs = network.forward(input);
        var derivatives = new Derivatives(input, outputs, network, estimator);
        foreach (var request in required) derivatives.Get(request);
        return derivatives;
    }

    private sealed class Derivatives(Tensor points, Tensor outputs, nn.Module<Tensor, Tensor> network, LaplacianEstimator estimator)
        : IFieldDerivatives
    {
        private readonly Dictionary<DerivativeRequest, Tensor> cache = new();
        private readonly Dictionary<int, Tensor> laplacians = new();

        public Tensor Points => points;

        public Tensor Laplacian(int field)
        {
            if (laplacians.TryGetValue(field, out var cached)) return cached;
            if (field < 0 || field >= outputs.shape[1])
                throw new ArgumentException($"Field index {field} is out of range: the network has {outputs.shape[1]} outputs.");
            var value = network is ILineFunction lines
                ? estimator.Estimate(new FieldLines(lines, field), points)
                : estimator.Estimate(x => network.forward(x)[.., field], points);
            return laplacians[field] = value.reshape(-1, 1);
        }

        public Tensor Get(DerivativeRequest request)
        {
            if (cache.TryGetValue(request, out var cached)) return cached;
            if (request.Order.Dimension != points.shape[1])
                throw new ArgumentException($"Derivative order {request.Order} has {request.Order.Dimension} coordinates but the points "
                    + $"have {points.shape[1]}.");
            if (request.Field < 0 || request.Field >= outputs.shape[1])
                throw new ArgumentException($"Field index {request.Field} is out of range: the network has {outputs.shape[1]} outputs.");

            if (request.Order.IsZero)
            {
                var column = outputs[.., request.Field..(request.Field + 1)];
                cache[request] = column;
                return column;
            }

            if (!points.requires_grad)
                throw new InvalidOperationException($"Derivative {request.Order} of field {request.Field} was not among the derivatives "
                    + "declared to the engine, which therefore left the input out of the graph.");
            var (parentOrder, _) = request.Order.Lower();
            var parent = Get(request with { Order = parentOrder });
            // One backward pass gives the derivative of the parent by every coordinate; keep them all. The graph is kept
            // (create_graph) because a higher derivative or the loss gradient will differentiate through it again.
            var gradient = parent.requires_grad
                ? autograd.grad([parent], [points], [ones_like(parent)], retain_graph: true, create_graph: true, allow_unused: true)[0]
                : null;
            for (int c = 0; c < points.shape[1]; c++)
            {
                var child = request with { Order = parentOrder.Raise(c) };
                if (cache.ContainsKey(child)) continue;
                // A parent that does not depend on the input (for example a linear function differentiated twice) has zero derivatives.
                cache[child] = gradient is null || gradient.IsInvalid ? zeros_like(parent) : gradient[.., c..(c + 1)];
            }
            return cache[request];
        }
    }

    /// <summary>One output column of a line function.</summary>
    private sealed class FieldLines(ILineFunction function, int field) : ILineFunction
    {
        public Tensor Along(PointLines lines) => function.Along(lines)[.., field];
        public Tensor AlongToSecondOrder(PointLines lines) => function.AlongToSecondOrder(lines)[.., field];
    }
}
