using CallSentiment.Analysis.Calls;
using MathNet.Numerics.LinearAlgebra;

namespace CallSentiment.Cli.Calls;

/// <summary>One labelled speaker for fitting the combiner: what the stages said and what a person says was right.</summary>
internal sealed record FusionExample(FusionEvidence Evidence, CallLabel Label, string Group);

/// <summary>
/// Refits <see cref="FusionModel"/>'s weights and biases (the evidence thresholds stay as they are): a three-way
/// logistic regression with sign constraints, by projected Newton, with an L2 pull of strength λ towards the model it
/// starts from, so a few dozen labelled calls adjust the prior instead of replacing it. λ is chosen by grouped cross-validation on the
/// fitting examples alone (no group in both folds), never on the part held out for the report.
/// </summary>
internal static class FusionFitter
{
    public static readonly double[] Lambdas = [0.1, 0.3, 1, 3, 10, 30, 100];

    private static int Dim => FusionEvidence.FeatureNames.Length + 1;

    /// <summary>
    /// The model with weights fitted to <paramref name="examples"/>, pulled towards <paramref name="start"/>'s, and
    /// kept monotone: each stage's negative log-odds may only raise the negative odds and lower the positive ones,
    /// and its positive log-odds the mirror (<see cref="Bounds"/>). Without that, a few dozen calls whose words were
    /// misheard teach the combiner that a complaint makes a customer more likely to be happy.
    /// Projected Newton: parameters held at a bound by their gradient stay there, the others take a Newton step that
    /// is clipped to the bounds and halved until the penalised log-loss falls.
    /// </summary>
    public static FusionModel Fit(FusionModel start, IReadOnlyList<FusionExample> examples, double lambda)
    {
        var (lower, upper) = Bounds();
        var prior = Parameters(start).Select((v, i) => Math.Clamp(v, lower[i], upper[i])).ToArray();
        var theta = (double[])prior.Clone();
        var x = examples.Select(e => Design(e.Evidence, start.Floor)).ToArray();
        var y = examples.Select(e => e.Label).ToArray();
        var n = 2 * Dim;
        var objective = Objective(theta, prior, x, y, lambda);
        for (var iteration = 0; iteration < 100; iteration++)
        {
            var (gradient, hessian) = Derivatives(theta, prior, x, y, lambda);
            var free = Enumerable.Range(0, n).Where(i =>
                !(theta[i] <= lower[i] && gradient[i] > 0) && !(theta[i] >= upper[i] && gradient[i] < 0)).ToArray();
            if (free.Length == 0) break;
            // The ridge term keeps the Hessian positive definite, and so every principal submatrix.
            var step = Matrix<double>.Build.Dense(free.Length, free.Length, (a, b) => hessian[free[a], free[b]]).Cholesky()
                .Solve(Vector<double>.Build.Dense(free.Length, a => gradient[free[a]]));
            double[] next = [];
            var nextObjective = double.PositiveInfinity;
            for (var (scale, halvings) = (1.0, 0); halvings < 30; scale /= 2, halvings++)
            {
                next = (double[])theta.Clone();
                for (var a = 0; a < free.Length; a++)
                    next[free[a]] = Math.Clamp(theta[free[a]] - scale * step[a], lower[free[a]], upper[free[a]]);
                nextObjective = Objective(next, prior, x, y, lambda);
                if (nextObjective <= objective) break;
            }
            if (!(nextObjective <= objective)) break;
            var size = theta.Select((t, i) => Math.Abs(t - next[i])).Max();
            theta = next;
            objective = nextObjective;
            if (size < 1e-9) break;
        }
        return With(start, theta);
    }

    /// <summary>
    /// Sign constraints per parameter, in <see cref="Parameters"/>' order. Features 0-1 and 4-5 are the words' and the
    /// voice's negative log-odds, 2-3 and 6-7 their positive log-odds; biases are free.
    /// </summary>
    public static (double[] Lower, double[] Upper) Bounds()
    {
        var lower = new double[2 * Dim];
        var upper = new double[2 * Dim];
        for (var row = 0; row < 2; row++)
        {
            lower[row * Dim] = double.NegativeInfinity;
            upper[row * Dim] = double.PositiveInfinity;
            for (var f = 0; f < Dim - 1; f++)
            {
                var negativeFeature = f % 4 < 2;
                var raises = (row == 0) == negativeFeature;
                lower[row * Dim + 1 + f] = raises ? 0 : double.NegativeInfinity;
                upper[row * Dim + 1 + f] = raises ? double.PositiveInfinity : 0;
            }
        }
        return (lower, upper);
    }

    private static double Objective(double[] theta, double[] prior, double[][] x, CallLabel[] y, double lambda)
    {
        var value = 0.0;
        for (var i = 0; i < theta.Length; i++) value += 0.5 * lambda * (theta[i] - prior[i]) * (theta[i] - prior[i]);
        for (var s = 0; s < x.Length; s++)
        {
            var (pn, pu, pp) = Softmax(theta, x[s]);
            value -= Math.Log(Math.Max(y[s] switch { CallLabel.Negative => pn, CallLabel.Positive => pp, _ => pu }, 1e-300));
        }
        return value;
    }

    private static (double[] Gradient, double[,] Hessian) Derivatives(double[] theta, double[] prior, double[][] x, CallLabel[] y, double lambda)
    {
        var n = 2 * Dim;
        var gradient = new double[n];
        var hessian = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            gradient[i] = lambda * (theta[i] - prior[i]);
            hessian[i, i] = lambda + 1e-9;
        }
        for (var s = 0; s < x.Length; s++)
        {
            var (pn, _, pp) = Softmax(theta, x[s]);
            double[] p = [pn, pp];
            double[] t = [y[s] == CallLabel.Negative ? 1 : 0, y[s] == CallLabel.Positive ? 1 : 0];
            for (var k = 0; k < 2; k++)
            {
                for (var a = 0; a < Dim; a++) gradient[k * Dim + a] += (p[k] - t[k]) * x[s][a];
                for (var l = 0; l < 2; l++)
                {
                    var w = p[k] * ((k == l ? 1 : 0) - p[l]);
                    for (var a = 0; a < Dim; a++)
                        for (var b = 0; b < Dim; b++)
                            hessian[k * Dim + a, l * Dim + b] += w * x[s][a] * x[s][b];
                }
            }
        }
        return (gradient, hessian);
    }

    /// <summary>The λ with the lowest mean log-loss over grouped folds of the fitting examples.</summary>
    public static (double Lambda, IReadOnlyList<(double Lambda, double LogLoss)> Curve) ChooseLambda(FusionModel start, IReadOnlyList<FusionExample> examples, int folds = 5)
    {
        var groups = examples.Select(e => e.Group).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        folds = Math.Min(folds, groups.Length);
        if (folds < 2) return (Lambdas[^1], []);
        var foldOf = groups.Select((g, i) => (g, i)).ToDictionary(t => t.g, t => t.i % folds, StringComparer.Ordinal);
        var curve = new List<(double, double)>();
        foreach (var lambda in Lambdas)
        {
            double loss = 0;
            var count = 0;
            for (var f = 0; f < folds; f++)
            {
                var fit = examples.Where(e => foldOf[e.Group] != f).ToList();
                var test = examples.Where(e => foldOf[e.Group] == f).ToList();
                if (fit.Count == 0 || test.Count == 0) continue;
                var model = Fit(start, fit, lambda);
                foreach (var e in test)
                {
                    loss += LogLoss(model, e);
                    count++;
                }
            }
            curve.Add((lambda, count == 0 ? double.NaN : loss / count));
        }
        var best = curve.Where(c => !double.IsNaN(c.Item2)).MinBy(c => c.Item2);
        return (best.Item1, curve);
    }

    public static double LogLoss(FusionModel model, FusionExample e)
    {
        var (n, u, p) = model.Probabilities(e.Evidence);
        var q = e.Label switch { CallLabel.Negative => n, CallLabel.Positive => p, _ => u };
        return -Math.Log(Math.Max(q, 1e-12));
    }

    private static double[] Design(FusionEvidence e, double floor) => [1, .. e.Features(floor)];

    private static double[] Parameters(FusionModel m) => [m.NegativeBias, .. m.NegativeWeights, m.PositiveBias, .. m.PositiveWeights];

    private static FusionModel With(FusionModel m, double[] theta) => m with
    {
        NegativeBias = theta[0],
        NegativeWeights = theta[1..Dim],
        PositiveBias = theta[Dim],
        PositiveWeights = theta[(Dim + 1)..],
    };

    private static (double Negative, double Neutral, double Positive) Softmax(double[] theta, double[] x)
    {
        double zn = 0, zp = 0;
        for (var a = 0; a < Dim; a++)
        {
            zn += theta[a] * x[a];
            zp += theta[Dim + a] * x[a];
        }
        var m = Math.Max(0, Math.Max(zn, zp));
        double en = Math.Exp(zn - m), eu = Math.Exp(-m), ep = Math.Exp(zp - m), sum = en + eu + ep;
        return (en / sum, eu / sum, ep / sum);
    }
}
