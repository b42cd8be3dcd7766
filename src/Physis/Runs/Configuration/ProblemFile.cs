using Physis.Evaluation;
using Physis.Geometry;
using Physis.Infrastructure.Configuration;
using Physis.Problems;
using Physis.Problems.Text;
using Physis.Solvers.Spectral;
using Complex = System.Numerics.Complex;

namespace Physis.Runs.Configuration;

/// <summary>
/// A PDE problem stated in a YAML file (`physis solve --problem FILE`): geometry, coordinates, fields, parameters,
/// residual equations and conditions as text expressions, an optional reference, and run settings under the keys of a run
/// configuration (network, sampling, training). Errors name the file, the line and the column. The format is described
/// in docs/problem-files.md.
/// </summary>
public sealed record ProblemFile
{
    /// <summary>The problem's name: the file's <c>name</c>, or the file name without its extension.</summary>
    public required string Name { get; init; }
    public required string Description { get; init; }
    public required PdeProblem Problem { get; init; }
    /// <summary>The library's defaults with the file's network, sampling and training sections applied.</summary>
    public required PinnSettings Settings { get; init; }
    /// <summary>The file's reference (a closed form on a grid, or a data file); null when it gives none.</summary>
    public Func<ReferenceSolution>? Reference { get; init; }
    /// <summary>
    /// The file's values, predicates and parameters as written, one per line: what <see cref="PdeProblem.Describe"/> leaves
    /// out, for the run's identity (<see cref="PinnRunOptions.Definition"/>).
    /// </summary>
    public required string Definition { get; init; }
    /// <summary>True values of trainable parameters, from their <c>exact</c> key.</summary>
    public IReadOnlyDictionary<string, double> ExactParameters { get; init; } = new Dictionary<string, double>();

    private static readonly string[] Shapes = ["interval", "box", "disk", "ball", "polygon", "union", "intersection", "difference"];
    private static readonly string[] ConditionKinds =
        ["dirichlet", "neumann", "robin", "periodic", "initial", "initial-derivative", "data", "integral"];

    public static ProblemFile Load(string file)
    {
        var root = RunConfiguration.Document(file, "problem file").Mapping(["name", "description", "geometry", "coordinates", "fields",
            "parameters", "equations", "conditions", "reference", .. RunConfiguration.SettingsKeys]);
        var reader = new Reader(file, root);
        return reader.Read();
    }

    private sealed class Reader(string file, IReadOnlyDictionary<string, ConfigNode> root)
    {
        /// <summary>Fixed parameters as constants and trainable ones as references, by name.</summary>
        private readonly Dictionary<string, Expr> names = [];
        private readonly Dictionary<string, double> exact = [];
        private readonly HashSet<string> declared = [];
        private readonly System.Text.StringBuilder definition = new();
        private IReadOnlyList<string> coordinates = [];
        private IReadOnlyList<string> fields = [];

        public ProblemFile Read()
        {
            string name = root.TryGetValue("name", out var n) ? n.Text() : Path.GetFileNameWithoutExtension(file);
            fields = root.TryGetValue("fields", out var f) ? Names(f, "field") : ["u"];
            if (root.TryGetValue("parameters", out var p)) Parameters(p);
            var geometry = Geometry(Required("geometry", "the domain, for example { interval: [-1, 1], time: [0, 1] }"));
            coordinates = root.TryGetValue("coordinates", out var c) ? Names(c, "coordinate") : DefaultCoordinates(geometry);
            if (coordinates.Count != geometry.Dimension)
                throw c!.Error($"names {coordinates.Count} coordinates, but the geometry has {geometry.Dimension} dimensions"
                    + $"{(geometry is SpaceTime ? " (time last)" : "")}.");
            var equations = Required("equations", "the residual equations, for example [u_t + u*u_x - nu*u_xx]");
            var equationNodes = equations.Node is YamlDotNet.RepresentationModel.YamlSequenceNode ? equations.Sequence() : [equations];
            var conditions = root.TryGetValue("conditions", out var cs) ? cs.Sequence().SelectMany(node => Condition(node, geometry)).ToList() : [];
            var repeated = conditions.GroupBy(x => x.Condition.Name).FirstOrDefault(g => g.Count() > 1);
            if (repeated is not null)
                throw repeated.Last().Node.Error($"is a second condition named '{repeated.Key}'; give it another with name: ...");

            var problem = Wrapped(() => new PdeProblem(geometry,
                terms => [.. equationNodes.Select(e => Expression(e, ExpressionScope.Residual(terms, names, "an equation"), equation: true))],
                conditions.Select(x => x.Condition), fields, coordinates));
            var settings = RunConfiguration.Apply(root, new PinnSettings(), problem.Terms.Coordinates);
            return new ProblemFile
            {
                Name = name,
                Description = root.TryGetValue("description", out var d) ? d.Text() : $"{name} (problem file {Path.GetFileName(file)})",
                Problem = problem,
                Settings = settings,
                Reference = root.TryGetValue("reference", out var r) ? Reference(r, problem) : null,
                ExactParameters = exact,
                Definition = definition.ToString(),
            };
        }

        private ConfigNode Required(string key, string what) => root.TryGetValue(key, out var node) ? node
            : throw new ConfigurationException($"{file}: the problem file needs '{key}': {what}.");

        /// <summary>The library's errors (a polygon that crosses itself, a field a condition names but the file lacks) with the file named.</summary>
        private T Wrapped<T>(Func<T> create)
        {
            try
            {
                return create();
            }
            catch (ArgumentException e) when (e is not ConfigurationException)
            {
                throw new ConfigurationException($"{file}: {e.Message}");
            }
        }

        /// <summary>
        /// <see cref="PdeProblem"/>'s defaults (x, y, z, or x1 .. xd beyond three, then t for space-time), none of them a
        /// field's or a parameter's name.
        /// </summary>
        private IReadOnlyList<string> DefaultCoordinates(Geometry.Geometry geometry)
        {
            int spatial = geometry is SpaceTime st ? st.Space.Dimension : geometry.Dimension;
            var space = spatial <= 3 ? new[] { "x", "y", "z" }.Take(spatial) : Enumerable.Range(1, spatial).Select(i => $"x{i}");
            string[] names = [.. space, .. geometry is SpaceTime ? new[] { "t" } : []];
            if (names.FirstOrDefault(declared.Contains) is { } taken)
                throw new ConfigurationException($"{file}: '{taken}' is a coordinate of this geometry and cannot name a field or parameter; "
                    + "rename it, or name the coordinates with coordinates: [...].");
            return names;
        }

        /// <summary>A list of new names (fields or coordinates): identifiers, not reserved, not declared before.</summary>
        private List<string> Names(ConfigNode node, string kind)
        {
            var items = node.Sequence();
            if (items.Count == 0) throw node.Error($"needs at least one {kind} name.");
            return [.. items.Select(item => Declare(item, item.Text(), kind))];
        }

        private string Declare(ConfigNode node, string name, string kind)
        {
            bool identifier = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_')
                && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');
            if (!identifier) throw node.Error($"'{name}' is not a valid {kind} name: use letters, digits and _, starting with a letter.");
            if (ExpressionParser.ReservedNames.Contains(name))
                throw node.Error($"'{name}' cannot name a {kind}: it is a function, constant or keyword of the expression language.");
            if (!declared.Add(name)) throw node.Error($"the name '{name}' is declared twice (fields, coordinates and parameters share names).");
            return name;
        }

        private void Parameters(ConfigNode node)
        {
            if (node.Node is not YamlDotNet.RepresentationModel.YamlMappingNode mapping)
                throw node.Error("expected a mapping of names to values, for example { nu: 0.01/pi, lambda: { trainable: 1.0 } }.");
            var keys = node.Mapping([.. mapping.Children.Keys
                .Select(k => ((k as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value ?? "").Trim())]);
            foreach (var (name, value) in keys)
            {
                Declare(value, name, "parameter");
                if (value.Node is YamlDotNet.RepresentationModel.YamlMappingNode)
                {
                    var settings = value.Mapping("trainable", "exact");
                    if (!settings.TryGetValue("trainable", out var initial))
                        throw value.Error("a trainable parameter needs its initial value: { trainable: 1.0 }.");
                    names[name] = new ParameterRef(new TrainableParameter(name, Number(initial)));
                    if (settings.TryGetValue("exact", out var e)) exact[name] = Number(e);
                }
                else names[name] = new Constant(Number(value));
            }
        }

        private double Number(ConfigNode node) => Constant(node, "a number");

        private double Constant(ConfigNode node, string use)
        {
            string text = node.Text();
            definition.AppendLine($"{node.Path}: {text}");
            try
            {
                return ExpressionParser.ParseNumber(text, ExpressionScope.Constants(names, use));
            }
            catch (ExpressionException e)
            {
                throw node.ErrorAt(e.Offset, e.Message);
            }
        }

        private Expr Expression(ConfigNode node, ExpressionScope scope, bool equation = false)
        {
            string text = node.Text();
            try
            {
                return equation ? ExpressionParser.ParseEquation(text, scope) : ExpressionParser.Parse(text, scope);
            }
            catch (ExpressionException e)
            {
                throw node.ErrorAt(e.Offset, e.Message);
            }
        }

        private Func<double[], double> Function(ConfigNode node, string use)
        {
            definition.AppendLine($"{node.Path}: {node.Text()}");
            return PointValue.Function(Expression(node, ExpressionScope.OfCoordinates(coordinates, names, use)));
        }

        private Func<double[], bool> Predicate(ConfigNode node, double tolerance)
        {
            definition.AppendLine($"{node.Path}: {node.Text()}");
            try
            {
                return ExpressionParser.ParsePredicate(node.Text(), ExpressionScope.OfCoordinates(coordinates, names, "where:"), tolerance);
            }
            catch (ExpressionException e)
            {
                throw node.ErrorAt(e.Offset, e.Message);
            }
        }

        private Geometry.Geometry Geometry(ConfigNode node)
        {
            var keys = node.Mapping([.. Shapes, "time"]);
            var shapes = keys.Keys.Where(k => k != "time").ToList();
            if (shapes.Count != 1) throw node.Error($"expected one shape ({string.Join(", ", Shapes)}) and optionally time: [t0, t1].");
            var space = Shape(shapes[0], keys[shapes[0]]);
            if (!keys.TryGetValue("time", out var time)) return space;
            var (t0, t1) = Pair(time);
            return Wrapped(() => space.WithTime(t0, t1));
        }

        private Geometry.Geometry Shape(ConfigNode node)
        {
            var (kind, settings) = node.Tagged(Shapes);
            return Shape(kind, settings);
        }

        private Geometry.Geometry Shape(string kind, ConfigNode node) => kind switch
        {
            "interval" => Interval(node),
            "box" => Box(node),
            "disk" or "ball" => Ball(node),
            "polygon" => Wrapped(() => new Polygon([.. node.Sequence().Select(Vertex)])),
            _ => Combined(kind, node),
        };

        private Geometry.Geometry Interval(ConfigNode node)
        {
            var (a, b) = Pair(node);
            return Wrapped(() => new Interval(a, b));
        }

        private Geometry.Geometry Box(ConfigNode node)
        {
            var keys = node.Mapping("min", "max");
            if (!keys.TryGetValue("min", out var lo) || !keys.TryGetValue("max", out var hi))
                throw node.Error("needs min and max, for example { min: [0, 0], max: [1, 1] }.");
            var (min, max) = (Numbers(lo), Numbers(hi));
            if (min.Length != max.Length) throw node.Error($"min has {min.Length} coordinates but max has {max.Length}.");
            return Wrapped<Geometry.Geometry>(() => min.Length switch
            {
                1 => new Interval(min[0], max[0]),
                2 => new Rectangle(min[0], min[1], max[0], max[1]),
                _ => new Box(min, max),
            });
        }

        private Geometry.Geometry Ball(ConfigNode node)
        {
            var keys = node.Mapping("center", "radius");
            if (!keys.TryGetValue("center", out var c) || !keys.TryGetValue("radius", out var r))
                throw node.Error("needs center and radius, for example { center: [0, 0], radius: 1 }.");
            var (center, radius) = (Numbers(c), Number(r));
            return Wrapped<Geometry.Geometry>(() => center.Length == 2 ? new Disk(center[0], center[1], radius) : new Ball(center, radius));
        }

        private Geometry.Geometry Combined(string kind, ConfigNode node)
        {
            var parts = node.Sequence();
            if (parts.Count < 2) throw node.Error($"a {kind} needs a list of at least two shapes.");
            var shapes = parts.Select(Shape).ToList();
            if (shapes.Any(s => s.Dimension != shapes[0].Dimension)) throw node.Error($"the shapes of a {kind} must have the same dimension.");
            return Wrapped(() => shapes.Skip(1).Aggregate(shapes[0], (a, b) => kind switch
            {
                "union" => a | b,
                "intersection" => a & b,
                _ => a - b,
            }));
        }

        private (double X, double Y) Vertex(ConfigNode node)
        {
            var v = Numbers(node);
            return v.Length == 2 ? (v[0], v[1]) : throw node.Error($"a polygon vertex is [x, y], got {v.Length} numbers.");
        }

        private (double A, double B) Pair(ConfigNode node)
        {
            var v = Numbers(node);
            return v.Length == 2 ? (v[0], v[1]) : throw node.Error($"expected two numbers [a, b], got {v.Length}.");
        }

        private double[] Numbers(ConfigNode node) => [.. node.Sequence().Select(Number)];

        /// <summary>One item of conditions: one condition per field it names.</summary>
        private IEnumerable<(Condition Condition, ConfigNode Node)> Condition(ConfigNode item, Geometry.Geometry geometry)
        {
            var (kind, node) = item.Tagged(ConditionKinds);
            string[] common = ["field", "name", "weight"];
            string[] allowed = kind switch
            {
                "dirichlet" or "neumann" => [.. common, "value", "where"],
                "robin" => [.. common, "alpha", "beta", "value", "where"],
                "periodic" => [.. common, "coordinate", "order"],
                "initial" or "initial-derivative" => [.. common, "value"],
                "data" => [.. common, "file"],
                _ => [.. common, "integrand", "value", "measure"],
            };
            var keys = node.Mapping(allowed);
            if (!keys.TryGetValue("field", out var fieldNode)) throw node.Error("needs field: the field (or list of fields) it constrains.");
            var fieldNodes = fieldNode.Node is YamlDotNet.RepresentationModel.YamlSequenceNode ? fieldNode.Sequence() : [fieldNode];
            Func<double[], double>? value = keys.TryGetValue("value", out var v) && kind != "integral"
                ? Function(v, $"the value of the {kind} condition")
                : null;
            Func<double[], bool>? where = keys.TryGetValue("where", out var w) ? Predicate(w, geometry.Tolerance) : null;
            foreach (var field in fieldNodes.Select(x => x.Choice([.. fields])))
            {
                var condition = Wrapped(() => Create(kind, field, keys, node, value, where));
                if (keys.TryGetValue("name", out var name))
                    condition = condition.Named(fieldNodes.Count == 1 ? name.Text() : $"{name.Text()}_{field}");
                if (keys.TryGetValue("weight", out var weight)) condition = Wrapped(() => condition.WithWeight(Constant(weight, "a weight")));
                yield return (condition, item);
            }
        }

        private Condition Create(string kind, string field, IReadOnlyDictionary<string, ConfigNode> keys, ConfigNode node,
            Func<double[], double>? value, Func<double[], bool>? where)
        {
            ConfigNode Key(string key, string what) => keys.TryGetValue(key, out var k) ? k : throw node.Error($"needs {key}: {what}.");
            switch (kind)
            {
                case "dirichlet": return Problems.Condition.Dirichlet(field, value, where);
                case "neumann": return Problems.Condition.Neumann(field, value, where);
                case "robin":
                    return Problems.Condition.Robin(field, Number(Key("alpha", "the factor of u")), Number(Key("beta", "the factor of du/dn")),
                        value, where);
                case "periodic":
                    {
                        string coordinate = Key("coordinate", "the periodic coordinate").Choice([.. coordinates]);
                        return Problems.Condition.Periodic(field, coordinate, keys.TryGetValue("order", out var o) ? o.Int(0) : 0);
                    }
                case "initial": return Problems.Condition.Initial(field, value ?? throw node.Error("needs value: the field at the initial time."));
                case "initial-derivative": return Problems.Condition.InitialDerivative(field, value);
                case "data":
                    {
                        var data = Key("file", "a .npz, .mat or .pt file of observations (docs/problem-files.md)");
                        var (points, values) = Observations(ReferenceSolution.Read(Relative(data.Text()), coordinates, [field]), field);
                        return Problems.Condition.PointData(field, points, values);
                    }
                default:
                    {
                        var integrand = Key("integrand", "the expression integrated over the domain");
                        double target = keys.TryGetValue("value", out var t) ? Number(t) : 0.0;
                        double? measure = keys.TryGetValue("measure", out var m) ? Number(m) : null;
                        string name = keys.TryGetValue("name", out var nm) ? nm.Text() : $"integral_{field}";
                        return Problems.Condition.Integral(name, field,
                            terms => Expression(integrand, ExpressionScope.Residual(terms, names, "an integrand")), target, measure);
                    }
            }
        }

        /// <summary>
        /// The split-step Fourier solution of i h_t + a h_xx + g |h|^2 h = 0 for h = first field + i second field, on the
        /// file's interval (taken as periodic) and time span, from the file's initial values of the two fields.
        /// </summary>
        private static Func<ReferenceSolution> Schrodinger(ConfigNode node, PdeProblem problem)
        {
            var keys = node.Mapping("dispersion", "nonlinearity", "points", "times", "step");
            if (problem.Geometry is not SpaceTime { Space: Interval space } domain || problem.Fields.Count != 2)
                throw node.Error("solves i h_t + a h_xx + g |h|^2 h = 0 for h = u + i v: it needs an interval with time and two fields.");
            var initial = problem.Fields.Select(field => problem.Conditions
                .FirstOrDefault(c => c.Kind == ConditionKind.Initial && c.Field == field)?.Target
                ?? throw node.Error($"needs the initial value of {field}: an initial condition with a value.")).ToArray();
            double a = keys.TryGetValue("dispersion", out var d) ? d.Double(positive: false) : 0.5;
            double g = keys.TryGetValue("nonlinearity", out var nl) ? nl.Double(positive: false) : 1.0;
            int n = keys.TryGetValue("points", out var p) ? p.Int(4) : 256;
            int count = keys.TryGetValue("times", out var t) ? t.Int(2) : 201;
            double step = keys.TryGetValue("step", out var s) ? s.Double() : 1e-4;
            return () =>
            {
                var (x0, x1) = (space.Bounds.Min[0], space.Bounds.Max[0]);
                var times = Solvers.UniformGrid.Linspace(domain.T0, domain.T1, count);
                var h = SplitStepSchrodinger.Solve(x => new Complex(initial[0]([x, domain.T0]), initial[1]([x, domain.T0])), x0, x1, n, times, a, g,
                    step);
                var x = Enumerable.Range(0, n).Select(j => x0 + j * (x1 - x0) / n).ToArray();
                var values = new Dictionary<string, double[]>
                {
                    [problem.Fields[0]] = [.. h.Cast<Complex>().Select(z => z.Real)],
                    [problem.Fields[1]] = [.. h.Cast<Complex>().Select(z => z.Imaginary)],
                };
                return ReferenceSolution.OnGrid([.. problem.Terms.Coordinates], [x, times], values,
                    $"split-step Fourier (Strang), {n} points, time step <= {step}");
            };
        }

        /// <summary>The points where the observed field has a value (a data file may leave some out as NaN).</summary>
        private static (double[,] Points, double[] Values) Observations(ReferenceSolution data, string field)
        {
            var observed = data.Values[field];
            var rows = Enumerable.Range(0, data.Count).Where(i => !double.IsNaN(observed[i])).ToList();
            var points = new double[rows.Count, data.Points.GetLength(1)];
            for (int i = 0; i < rows.Count; i++)
                for (int d = 0; d < points.GetLength(1); d++) points[i, d] = data.Points[rows[i], d];
            return (points, [.. rows.Select(i => observed[i])]);
        }

        private string Relative(string path) => Path.IsPathRooted(path) ? path : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, path);

        private Func<ReferenceSolution> Reference(ConfigNode node, PdeProblem problem)
        {
            var keys = node.Mapping("exact", "file", "schrodinger");
            if (keys.Count != 1) throw node.Error("expected one of exact: { FIELD: expression }, file: PATH or schrodinger: { ... }.");
            if (keys.TryGetValue("file", out var f))
            {
                string path = Relative(f.Text());
                if (!File.Exists(path)) throw f.Error($"the reference file {path} does not exist.");
                return () => ReferenceSolution.Read(path, problem.Terms.Coordinates, problem.Fields);
            }
            if (keys.TryGetValue("schrodinger", out var nls)) return Schrodinger(nls, problem);
            var exactNode = keys["exact"];
            var solution = exactNode.Mapping([.. problem.Fields])
                .ToDictionary(e => e.Key, e => Function(e.Value, $"the exact {e.Key}"));
            if (solution.Count == 0) throw exactNode.Error($"needs the closed form of at least one field ({string.Join(", ", problem.Fields)}).");
            return () => ReferenceSolution.Exact([.. problem.Terms.Coordinates], PinnRun.PredictionGrid(problem).Axes, solution,
                point => problem.Geometry.Contains(point), "exact (problem file)");
        }
    }
}
