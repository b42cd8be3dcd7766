using System.Text.RegularExpressions;

namespace Physis.Tests.Cli;

/// <summary>
/// Bad invocations of every command, run in-process: each exits 2 with one line that says what is wrong, and writes
/// nothing (its output paths lie in a fresh empty folder that must stay empty; the fixtures it reads are not changed).
/// </summary>
public class BadInvocationTests : IClassFixture<BadInvocationTests.Fixtures>
{
    private readonly Fixtures files;

    public BadInvocationTests(Fixtures files) => this.files = files;

    /// <summary>Files that bad invocations read: a small dataset, its shards, trained models and runs, damaged files.</summary>
    public sealed class Fixtures : IDisposable
    {
        public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"physis-bad-fixtures-{Guid.NewGuid():N}");
        public string Data => Path.Combine(Folder, "burgers.h5");
        public string Darcy => Path.Combine(Folder, "darcy.h5");
        public string Shard(int i) => Path.Combine(Folder, $"shards.shard-{i}-of-2.h5");
        public string Model => Path.Combine(Folder, "fno");
        public string Marching => Path.Combine(Folder, "marching");
        public string Garbage => Path.Combine(Folder, "garbage.h5");
        public string Empty => Path.Combine(Folder, "empty.h5");
        public string GarbageMat => Path.Combine(Folder, "garbage.mat");
        public string EmptyFolder => Path.Combine(Folder, "empty-folder");
        public string UnknownKey => Path.Combine(Folder, "unknown-key.yaml");
        public string BrokenYaml => Path.Combine(Folder, "broken.yaml");
        public string Problem(string name) => Path.Combine(Folder, $"{name}.yaml");

        /// <summary>Problem files, each with one mistake but "valid"; the first lines state Burgers' domain.</summary>
        private static readonly Dictionary<string, string> ProblemFiles = new()
        {
            ["valid"] = "equations: [u_t + u*u_x]\nconditions:\n  - initial: { field: u, value: -sin(pi*x) }",
            ["bad-d"] = "equations:\n  - u_t + u*u_x - 0.01*d(u, x, x",
            ["unknown-name"] = "equations:\n  - u_t + w*u_x",
            ["unknown-function"] = "equations:\n  - u_t + sine(u)",
            ["unknown-field"] = "equations: [u_t]\nconditions:\n  - dirichlet: { field: w }",
            ["unknown-kind"] = "equations: [u_t]\nconditions:\n  - fixed: { field: u }",
            ["value-reads-field"] = "equations: [u_t]\nconditions:\n  - initial: { field: u, value: u*x }",
            ["trainable-value"] =
                "parameters: { k: { trainable: 1 } }\nequations: [u_t - k*u_xx]\nconditions:\n  - initial: { field: u, value: k*x }",
            ["bad-where"] = "equations: [u_t]\nconditions:\n  - dirichlet: { field: u, where: x = 1 }",
            ["exponent"] = "equations: ['u_t + u^u_x']",
            ["reserved"] = "fields: [sin]\nequations: [sin_t]",
            ["no-equations"] = "fields: [u]",
            ["repeated"] = "equations: [u_t]\nconditions:\n  - dirichlet: { field: u, where: x < 0 }\n  - dirichlet: { field: u, where: x > 0 }",
        };

        public Fixtures()
        {
            Directory.CreateDirectory(EmptyFolder);
            Run("generate", "burgers", "--samples", "6", "--resolution", "64", "--out", Data);
            Run("generate", "darcy", "--samples", "2", "--out", Darcy);
            foreach (int i in new[] { 0, 1 })
                Run("generate", "burgers", "--samples", "4", "--resolution", "32", "--shard", $"{i}/2", "--out", Path.Combine(Folder, "shards.h5"));
            Run("train-operator", "fno", "--data", Data, "--epochs", "1", "--train", "4", "--test", "2", "--modes", "4", "--width", "8",
                "--out", Model);
            Run("solve", "advection", "--preset", "plain", "--time-windows", "2", "--iterations", "2", "--lbfgs-iterations", "0",
                "--domain-points", "50", "--out", Marching);
            File.WriteAllText(Garbage, "this is not an HDF5 file\n");
            File.WriteAllText(GarbageMat, "this is not a MATLAB file\n");
            File.WriteAllBytes(Empty, []);
            File.WriteAllText(UnknownKey, "network:\n  hidden: [20, 20]\n  widht: 3\n");
            File.WriteAllText(BrokenYaml, "network:\n  hidden: [20, 20\n");
            File.WriteAllText(Problem("unknown-shape"), "geometry:\n  square: [0, 1]\nequations: [u_x]\n");
            foreach (var (name, text) in ProblemFiles)
                File.WriteAllText(Problem(name), $"geometry:\n  interval: [-1, 1]\n  time: [0, 1]\n{text}\n");
        }

        private static void Run(params string[] args)
        {
            var (code, _, error) = InProcessCli.Physis(args);
            if (code != 0) throw new InvalidOperationException($"fixture 'physis {string.Join(' ', args)}' failed: {error}");
        }

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }

    /// <summary>
    /// The table: the message the line must contain, then the arguments. {out} is a path in the fresh folder (not created);
    /// {data}, {darcy}, {shard0}, {shard1}, {model}, {marching}, {garbage}, {garbage-mat}, {empty}, {empty-folder}, {unknown-key}
    /// and {broken-yaml} are fixtures, and so is {problem-NAME}, a problem file.
    /// </summary>
    public static TheoryData<string, string> Invocations => new()
    {
        // Parser errors: a pointer to the command's help.
        { "as a whole number. See 'physis solve --help'", "solve burgers --iterations abc" },
        { "as a whole number", "solve burgers --seed 1.5" },
        { "as a number", "solve burgers --learning-rate fast" },
        { "Required argument missing for option: '--iterations'", "solve burgers --iterations" },
        { "Unrecognized command or argument '--bogus'", "solve burgers --bogus" },
        { "Unrecognized command or argument 'nosuch'. See 'physis --help'", "nosuch" },
        { "as a whole number", "solve burgers --threads two" },
        { "as a whole number", "solve burgers --checkpoint-every x --out {out}" },
        { "as a whole number. See 'physis train-operator --help'", "train-operator fno --epochs x" },
        { "as a number", "train-operator fno --lr x" },
        { "as a whole number", "train-operator fno --batch 1.5" },
        { "as a whole number. See 'physis generate --help'", "generate burgers --samples many" },
        { "as a whole number", "generate burgers --workers x" },
        { "Required argument missing", "generate" },
        { "Unrecognized command or argument '--colour'", "predict --colour red" },
        { "as a whole number", "predict --batch x" },
        { "Option '--out' is required", "merge {shard0} {shard1}" },
        { "Required argument missing", "merge --out {out}" },
        { "Option '--out' is required", "plot-dataset {data}" },
        { "as a number. See 'physis bench pinn --help'", "bench pinn --scale x" },
        { "Unrecognized command or argument 'gpu'", "bench gpu" },
        { "as a whole number", "bench operators --epochs x" },
        { "Option '--from' is required", "bench report --out {out}" },
        { "as a whole number", "bench recycling --systems x" },
        // solve: values of the catalog run.
        { "--iterations cannot be negative", "solve burgers --iterations -5 --out {out}" },
        { "--lbfgs-iterations cannot be negative", "solve burgers --lbfgs-iterations -1 --out {out}" },
        { "--domain-points must be positive", "solve burgers --domain-points 0 --out {out}" },
        { "--boundary-points cannot be negative", "solve burgers --boundary-points -1 --out {out}" },
        { "--initial-points cannot be negative", "solve burgers --initial-points -3 --out {out}" },
        { "--periodic-points cannot be negative", "solve burgers --periodic-points -1 --out {out}" },
        { "This run needs about", "solve burgers --domain-points 20000000 --out {out}" },
        { "--precision must be float32 or float64", "solve burgers --precision float16 --out {out}" },
        { "Unknown preset 'fastest'", "solve burgers --preset fastest --out {out}" },
        { "--hidden takes positive comma-separated widths", "solve burgers --hidden 20,x --out {out}" },
        { "--hidden takes positive comma-separated widths", "solve burgers --hidden 0 --out {out}" },
        { "--sampling must be one of uniform, latinhypercube, sobol, halton, hammersley", "solve burgers --sampling grid --out {out}" },
        { "relu has no second derivative", "solve burgers --activation relu --out {out}" },
        { "Unknown activation 'softplus'", "solve burgers --activation softplus --out {out}" },
        { "the configuration file does not exist", "solve burgers --config /nonexistent/run.yaml --out {out}" },
        { "unknown-key.yaml:3: unknown key 'widht'", "solve burgers --config {unknown-key} --out {out}" },
        { "broken.yaml", "solve burgers --config {broken-yaml} --out {out}" },
        { "--learning-rate must be a positive number, got 0", "solve burgers --learning-rate 0 --out {out}" },
        { "--learning-rate must be a positive number, got -1", "solve burgers --learning-rate -1 --out {out}" },
        { "--learning-rate must be a positive number, got NaN", "solve burgers --learning-rate NaN --out {out}" },
        { "--learning-rate must be a positive number, got Infinity", "solve burgers --learning-rate 1e400 --out {out}" },
        { "--time-windows must be at least 1", "solve burgers --time-windows 0 --out {out}" },
        { "--time-windows must be at most 10000, got 100000000", "solve burgers --time-windows 100000000 --out {out}" },
        { "--threads must be positive, got 0", "solve burgers --threads 0 --out {out}" },
        { "--threads must be at most", "solve burgers --threads 5000 --out {out}" },
        { "--checkpoint-every must be positive, got 0", "solve burgers --checkpoint-every 0 --out {out}" },
        { "--hold-parameters counts the first Adam iterations, so it must lie in", "solve burgers-inverse --hold-parameters -1 --out {out}" },
        { "Unknown problem 'nosuch'", "solve nosuch --out {out}" },
        { "--sample-axis must be first or last, got 'middle'", "convert {garbage-mat} --input a --output u --sample-axis middle --out {out}" },
        { "--sample-axis applies to .mat and .pt data", "predict --model {model} --data {data} --sample-axis last --out {out}" },
        { "Problem burgers has a fixed dimension; --dimension applies to poisson-twobody", "solve burgers --dimension 10 --out {out}" },
        { "The two-body solution needs a dimension of at least 2; --dimension is 1", "solve poisson-twobody --dimension 1 --out {out}" },
        { "--estimator must be exact, sdgd, hutchinson, stde-sparse or stde-dense; got 'best'",
            "solve poisson-twobody --estimator best --out {out}" },
        { "--directions applies to the stochastic estimators", "solve poisson-twobody --estimator exact --directions 4 --out {out}" },
        { "--engine must be auto, taylor or autograd, got 'fast'", "solve burgers --engine fast --out {out}" },
        { "Engine taylor computes exact derivatives; the Laplacian estimators run on the autograd engine",
            "solve poisson-twobody --engine taylor --out {out}" },
        { "--precision must be float32 or float64, got 'half'", "bench engines --precision half --out {out}" },
        { "--points: '0' is not a positive", "bench engines --points 0 --out {out}" },
        { "--workloads takes burgers-pinn and burgers-fno", "bench distributed --workloads fno --out {out}" },
        { "--directions must be at least 1, got 0", "solve poisson-twobody --directions 0 --out {out}" },
        { "--directions is 20, but StdeSparse draws coordinates without replacement from the problem's 10",
            "solve poisson-twobody --dimension 10 --directions 20 --out {out}" },
        { "has nothing to do: this problem states no Laplacian operator", "solve helmholtz --estimator sdgd --out {out}" },
        { "no run to resume", "solve burgers --resume --out {out}" },
        { "no run to resume", "train-operator fno --resume --out {out}" },
        { "This run needs about", "solve burgers --hidden 200000,200000 --out {out}" },
        { "burgers.h5' is not writable", "solve burgers --out {data}" },
        { "quantum-well is an eigenvalue problem without time; time marching does not apply", "solve quantum-well --time-windows 2 --out {out}" },
        // solve --problem: problem files (docs/problem-files.md), each error with its file, line and column.
        { "the problem file does not exist", "solve --problem /nonexistent/problem.yaml --out {out}" },
        { "Give either a built-in problem (burgers) or --problem FILE, not both", "solve burgers --problem {problem-valid} --out {out}" },
        { "Name a problem to solve, or give --problem FILE.yaml", "solve --out {out}" },
        { "valid comes from a problem file, which offers no hard constraint", "solve --problem {problem-valid} --hard-constraints --out {out}" },
        { "Unknown preset 'deepxde' for valid. Known presets: default", "solve --problem {problem-valid} --preset deepxde --out {out}" },
        { "bad-d.yaml:5:33: expected ')' after the arguments of d(...), got the end of the expression",
            "solve --problem {problem-bad-d} --out {out}" },
        { "unknown-name.yaml:5:11: unknown name 'w' in an equation; known: fields u", "solve --problem {problem-unknown-name} --out {out}" },
        { "unknown-function.yaml:5:11: unknown function 'sine'; known: sin, cos", "solve --problem {problem-unknown-function} --out {out}" },
        { "unknown-field.yaml:6: conditions[0].dirichlet.field: 'w' is not allowed; allowed: u",
            "solve --problem {problem-unknown-field} --out {out}" },
        { "unknown kind 'fixed'; allowed: dirichlet, neumann", "solve --problem {problem-unknown-kind} --out {out}" },
        { "value-reads-field.yaml:6:33: unknown name 'u' in the value of the initial condition; known: coordinates x, t",
            "solve --problem {problem-value-reads-field} --out {out}" },
        { "trainable-value.yaml:7:33: the value of the initial condition cannot use the trainable parameter 'k'",
            "solve --problem {problem-trainable-value} --out {out}" },
        { "bad-where.yaml:6:37: '=' is only for equations; compare with '=='", "solve --problem {problem-bad-where} --out {out}" },
        { "exponent.yaml:4:22: the exponent must be a number (or pi, or a fixed parameter), not 'u_x'",
            "solve --problem {problem-exponent} --out {out}" },
        { "reserved.yaml:4: fields[0]: 'sin' cannot name a field", "solve --problem {problem-reserved} --out {out}" },
        { "no-equations.yaml: the problem file needs 'equations'", "solve --problem {problem-no-equations} --out {out}" },
        { "is a second condition named 'dirichlet_u'; give it another with name: ...", "solve --problem {problem-repeated} --out {out}" },
        { "unknown-shape.yaml:2: unknown key 'square' in geometry; allowed: interval, box, disk",
            "solve --problem {problem-unknown-shape} --out {out}" },
        // generate
        { "Unknown dataset 'nosuch'", "generate nosuch --out {out}" },
        { "--samples must be at least 1", "generate burgers --samples 0 --out {out}" },
        { "--samples must be at least 1", "generate burgers --samples -1 --out {out}" },
        { "--samples 2000000000 is more than the 10,000,000 one run can have", "generate burgers --samples 2000000000 --out {out}" },
        { "Resolution 1 is not supported for burgers: use a power of two", "generate burgers --samples 4 --resolution 1 --out {out}" },
        { "Resolution -5 is not supported for darcy", "generate darcy --samples 4 --resolution -5 --out {out}" },
        { "--times must be", "generate navier-stokes --times 0 --out {out}" },
        { "--times 100000 is more than the 10000 output times", "generate navier-stokes --samples 4 --times 100000 --out {out}" },
        { "--shard", "generate burgers --samples 4 --shard 2/2 --out {out}" },
        { "--shard", "generate burgers --samples 4 --shard x --out {out}" },
        { "--shard", "generate burgers --samples 4 --shard 0/0 --out {out}" },
        { "--workers must be at least 1", "generate burgers --samples 4 --workers 0 --out {out}" },
        { "--workers 5000 is more than 1024", "generate burgers --samples 4 --workers 5000 --out {out}" },
        { "single trajectory", "generate allen-cahn --samples 2 --out {out}" },
        { "need about 49 TiB of disk", "generate navier-stokes --samples 1000000 --resolution 256 --out {out}" },
        // merge and plot-dataset
        { "garbage.h5", "merge {garbage} --out {out}" },
        { "does not exist", "merge /nonexistent/a.h5 --out {out}" },
        { "missing", "merge {shard0} --out {out}" },
        { "duplicate samples [0, 2)", "merge {shard0} {shard0} --out {out}" },
        { "which merging would replace; choose another --out", "merge {shard0} {shard1} --out {shard0}" },
        { "burgers.h5 comes from a different run than", "merge {shard0} {data} --out {out}" },
        { "does not exist", "plot-dataset /nonexistent/a.h5 --out {out}.png" },
        { "garbage.h5", "plot-dataset {garbage} --out {out}.png" },
        { "empty.h5", "plot-dataset {empty} --out {out}.png" },
        { "--out must name a .png or .pvd file", "plot-dataset {data} --out {out}" },
        { "--plot must name a .png or .pvd file", "generate burgers --samples 2 --plot {out}.vtk --out {out}" },
        // convert
        { "The MATLAB file does not exist", "convert /nonexistent/a.mat --input a --output u --out {out}" },
        { "is neither a MATLAB .mat nor a PyTorch .pt file", "convert {data} --input a --output u --out {out}" },
        { "The PyTorch file does not exist", "convert /nonexistent/a.pt --input x --output y --out {out}" },
        { "--input NAME is required", "convert /nonexistent/a.mat --output u --out {out}" },
        { "--output NAME is required", "convert /nonexistent/a.mat --input a --out {out}" },
        // train-operator
        { "arrays are named for MATLAB and PyTorch files", "train-operator fno --data {data} --input-var a --output-var u --out {out}" },
        { "--input-var and --output-var go together", "train-operator fno --data {data} --input-var a --out {out}" },
        { "name its input and output arrays (--input-var and --output-var)", "train-operator fno --data {garbage-mat} --out {out}" },
        { "Unknown operator 'unet'", "train-operator unet --data {data} --out {out}" },
        { "--data", "train-operator fno --out {out}" },
        { "does not exist", "train-operator fno --data /nonexistent/a.h5 --out {out}" },
        { "garbage.h5", "train-operator fno --data {garbage} --out {out}" },
        { "--epochs cannot be negative", "train-operator fno --data {data} --epochs -1 --out {out}" },
        { "--batch must be positive", "train-operator fno --data {data} --batch 0 --out {out}" },
        { "Unknown --precision 'float16'. Known: float32, float64", "train-operator fno --data {data} --precision float16 --out {out}" },
        { "--learning-rate must be positive; got 0", "train-operator fno --data {data} --lr 0 --out {out}" },
        { "--learning-rate must be positive; got -1", "train-operator fno --data {data} --lr -1 --out {out}" },
        { "--learning-rate must be positive; got NaN", "train-operator fno --data {data} --lr NaN --out {out}" },
        { "--weight-decay cannot be negative", "train-operator fno --data {data} --weight-decay -1 --out {out}" },
        { "--schedule", "train-operator fno --data {data} --schedule weird --out {out}" },
        { "--step-every", "train-operator fno --data {data} --step-every 0 --out {out}" },
        { "--step-factor", "train-operator fno --data {data} --step-factor 0 --out {out}" },
        { "--modes", "train-operator fno --data {data} --modes 0 --out {out}" },
        { "--modes", "train-operator fno --data {data} --modes 4,4 --out {out}" },
        { "cannot resolve 1000 Fourier modes", "train-operator fno --data {data} --modes 1000 --out {out}" },
        { "--width", "train-operator fno --data {data} --width 0 --out {out}" },
        { "needs about", "train-operator fno --data {data} --width 100000 --out {out}" },
        { "--layers", "train-operator fno --data {data} --layers 0 --out {out}" },
        { "--padding is a fraction in [0, 1]; got -0.1", "train-operator fno --data {data} --padding -0.1 --out {out}" },
        { "--padding is a fraction in [0, 1]; got 5", "train-operator fno --data {data} --padding 5 --out {out}" },
        { "--rank-ratio", "train-operator tfno --data {data} --rank-ratio 0 --out {out}" },
        { "--factorisation", "train-operator tfno --data {data} --factorisation svd --out {out}" },
        { "--levels", "train-operator mgno --data {data} --levels 0 --out {out}" },
        { "--smoothing", "train-operator mgno --data {data} --smoothing 0 --out {out}" },
        { "--boundary", "train-operator mgno --data {data} --boundary neumann --out {out}" },
        { "--scales", "train-operator lsm --data {data} --scales 0 --out {out}" },
        { "--tokens", "train-operator lsm --data {data} --tokens 0 --out {out}" },
        { "--heads", "train-operator lsm --data {data} --heads 0 --out {out}" },
        { "--branch", "train-operator deeponet --data {data} --branch 0 --out {out}" },
        { "--trunk", "train-operator deeponet --data {data} --trunk x --out {out}" },
        { "Unknown activation 'softplus'", "train-operator deeponet --data {data} --activation softplus --out {out}" },
        { "--layout", "train-operator deeponet --data {data} --layout diagonal --out {out}" },
        { "--points-per-function", "train-operator deeponet --data {data} --layout triple --points-per-function 0 --out {out}" },
        { "Unknown operator physics 'heat'", "train-operator deeponet --data {data} --physics heat --out {out}" },
        { "--physics", "train-operator fno --data {data} --physics antiderivative --out {out}" },
        { "--data-weight", "train-operator deeponet --data {data} --data-weight -1 --out {out}" },
        { "--loss", "train-operator fno --data {data} --loss huber --out {out}" },
        { "cannot take 0 for training", "train-operator fno --data {data} --train 0 --out {out}" },
        { "and 0 for testing", "train-operator fno --data {data} --test 0 --out {out}" },
        { "samples", "train-operator fno --data {data} --train 100 --out {out}" },
        { "Resolution 1 cannot be taken from 64 points", "train-operator fno --data {data} --resolution 1 --out {out}" },
        { "Resolution 1000 is finer than the data's 64 points", "train-operator fno --data {data} --resolution 1000 --out {out}" },
        { "so --data cannot be given", "train-operator fno --data {data} --resume --out {out}" },
        { "--threads must be positive, got 0", "train-operator fno --data {data} --threads 0 --out {out}" },
        { "--checkpoint-every", "train-operator fno --data {data} --checkpoint-every 0 --out {out}" },
        // predict
        { "--model", "predict --data {data} --out {out}" },
        { "No saved model at '/nonexistent/run/model.bin'", "predict --model /nonexistent/run --data {data} --out {out}" },
        { "model.bin", "predict --model {empty-folder} --data {data} --out {out}" },
        { "--data", "predict --model {model} --out {out}" },
        { "does not exist", "predict --model {model} --data /nonexistent/a.h5 --out {out}" },
        { "garbage.h5", "predict --model {model} --data {garbage} --out {out}" },
        { "--samples", "predict --model {model} --data {data} --samples 0 --out {out}" },
        { "--samples", "predict --model {model} --data {data} --samples 1000 --out {out}" },
        { "batch must be positive; got 0", "predict --model {model} --data {data} --batch 0 --out {out}" },
        { "Resolution 1 cannot be taken from 64 points", "predict --model {model} --data {data} --resolution 1 --out {out}" },
        { "The model was trained on 1D data; these data are 2D", "predict --model {model} --data {darcy} --out {out}" },
        { "--threads must be positive, got 0", "predict --model {model} --data {data} --threads 0 --out {out}" },
        { "--vtk must lie in [1, 2] (the samples evaluated); got 0", "predict --model {model} --data {data} --samples 2 --vtk 0 --out {out}" },
        // export
        { "--model DIR is required", "export --format onnx --out {out}" },
        { "--format is required; known: onnx", "export --model {model} --out {out}" },
        { "Unknown format 'tflite'; known: onnx", "export --model {model} --format tflite --out {out}" },
        { "There is no folder '/nonexistent/run'", "export --model /nonexistent/run --format onnx --out {out}" },
        { "is not a run folder (it holds no settings.json)", "export --model {empty-folder} --format onnx --out {out}" },
        { "--out: there is no folder '/nonexistent'", "export --model {model} --format onnx --out /nonexistent/model.onnx" },
        { "marched in time with one network per window", "export --model {marching} --format onnx --out {out}" },
        // bench
        { "Unknown problem 'nosuch'", "bench pinn --problems nosuch --out {out}" },
        { "nosuch", "bench pinn --problems burgers --methods nosuch --out {out}" },
        { "--scale", "bench pinn --scale 0 --out {out}" },
        { "--scale", "bench pinn --scale 2 --out {out}" },
        { "--threads must be positive, got 0", "bench pinn --threads 0 --out {out}" },
        { "--epochs must be at least 1; got 0", "bench operators --epochs 0 --out {out}" },
        { "Unknown dataset 'heat' for bench operators", "bench operators --datasets burgers,heat --out {out}" },
        { "Unknown model", "bench operators --models unet --out {out}" },
        { "--train and --test must be positive", "bench operators --train 0 --out {out}" },
        { "--batch must be at least 1; got 0", "bench operators --batch 0 --out {out}" },
        { "--lr must be a positive number; got -0.1", "bench operators --lr -0.1 --out {out}" },
        { "Unknown --schedule 'triangle'", "bench operators --schedule triangle --out {out}" },
        { "--train plus --test is more than the 10,000,000 samples", "bench operators --train 2000000000 --out {out}" },
        { "--train and --test must be positive", "bench operators --test -1 --out {out}" },
        { "--datasets names no dataset", "bench operators --datasets , --out {out}" },
        { "--step-every must be at least 1; got 0", "bench operators --step-every 0 --out {out}" },
        { "--threads must be at least 1; got 0", "bench operators --threads 0 --out {out}" },
        { "has no bench.csv", "bench report --from /nonexistent/bench --out {out}" },
        { "bench.csv", "bench report --from {empty-folder} --out {out}" },
        { "--steps", "bench step --steps 0" },
        { "/nonexistent/python", "bench step --python /nonexistent/python" },
        { "--epochs", "bench fno --epochs 0" },
        { "--threads", "bench fno --threads 0" },
        { "/nonexistent/python", "bench fno --python /nonexistent/python" },
        { "--samples", "bench dataset --samples 0 --out {out}" },
        { "--systems", "bench recycling --systems 0" },
        { "--resolution", "bench recycling --resolution 2" },
    };

    [Theory]
    [MemberData(nameof(Invocations))]
    public void ABadInvocationIsOneLineExitTwoAndWritesNothing(string message, string invocation)
    {
        string scratch = Path.Combine(Path.GetTempPath(), $"physis-bad-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            string[] args = invocation.Split(' ').Select(a => Substitute(a, scratch)).ToArray();
            var fixturesBefore = Snapshot(files.Folder);
            var (code, output, error) = InProcessCli.Physis(args);
            string line = Assert.Single(error.Trim().Split('\n'));
            Assert.True(code == 2, $"exit code {code}, expected 2: {line}");
            Assert.StartsWith("error: ", line);
            Assert.Contains(message, line);
            Assert.DoesNotContain("System.", line);
            // A run refused by its own checks (memory, the problem's options) may have named itself on stdout first.
            Assert.DoesNotContain("error", output);
            Assert.Empty(Directory.EnumerateFileSystemEntries(scratch, "*", SearchOption.AllDirectories));
            Assert.Equal(fixturesBefore, Snapshot(files.Folder));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Fact]
    public void TheTableCoversEveryCommandWithMoreThanAHundredInvocations()
    {
        var invocations = Invocations.Select(row => (string)row[1]).ToList();
        Assert.True(invocations.Count >= 100, $"{invocations.Count} invocations");
        Assert.Equal(invocations.Count, invocations.Distinct().Count());
        foreach (string command in new[] { "solve", "generate", "merge", "plot-dataset", "convert", "train-operator", "predict", "export",
                     "bench pinn", "bench operators", "bench report", "bench step", "bench fno", "bench dataset", "bench recycling" })
            Assert.Contains(invocations, i => i.StartsWith(command + " ", StringComparison.Ordinal));
    }

    private string Substitute(string argument, string scratch) => Placeholder.Replace(argument, m => m.Groups[1].Value switch
    {
        "out" => Path.Combine(scratch, "out"),
        "data" => files.Data,
        "darcy" => files.Darcy,
        "shard0" => files.Shard(0),
        "shard1" => files.Shard(1),
        "model" => files.Model,
        "marching" => files.Marching,
        "garbage" => files.Garbage,
        "garbage-mat" => files.GarbageMat,
        "empty" => files.Empty,
        "empty-folder" => files.EmptyFolder,
        "unknown-key" => files.UnknownKey,
        "broken-yaml" => files.BrokenYaml,
        var problem when problem.StartsWith("problem-", StringComparison.Ordinal) => files.Problem(problem["problem-".Length..]),
        var other => throw new ArgumentException($"unknown placeholder {{{other}}}"),
    });

    private static readonly Regex Placeholder = new(@"\{([a-z0-9-]+)\}");

    /// <summary>Every file under the folder with its size and write time.</summary>
    private static string Snapshot(string folder) => string.Join('\n', Directory
        .EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order()
        .Select(f => $"{f} {new FileInfo(f).Length} {File.GetLastWriteTimeUtc(f):O}"));
}
