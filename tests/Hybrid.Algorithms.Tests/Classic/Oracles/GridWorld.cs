// A grid-world builder: a goal (+1), optional pits (−1) and walls, a cost per move, and slippery moves.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>Options of <see cref="GridWorld.Build"/>. Cells are (row, column), row 0 at the top.</summary>
public sealed record GridWorldOptions
{
    public int Rows { get; init; } = 4;

    public int Columns { get; init; } = 4;

    public (int Row, int Column) Start { get; init; } = (3, 0);

    /// <summary>Terminal cell that pays <see cref="GoalReward"/> on entry. Default top-right.</summary>
    public (int Row, int Column) Goal { get; init; } = (0, 3);

    /// <summary>Terminal cells that pay <see cref="PitReward"/> on entry. Default none.</summary>
    public IReadOnlyList<(int Row, int Column)> Pits { get; init; } = [];

    /// <summary>Blocked cells (not states); moving into one leaves the agent in place. Default none.</summary>
    public IReadOnlyList<(int Row, int Column)> Walls { get; init; } = [];

    public double GoalReward { get; init; } = 1.0;

    public double PitReward { get; init; } = -1.0;

    /// <summary>Cost of every move (r −= StepCost), including the last one. Default 0.04.</summary>
    public double StepCost { get; init; } = 0.04;

    /// <summary>Probability that a move slips to one of the two perpendicular directions (half each). Default 0 (deterministic).</summary>
    public double Slip { get; init; }

    public double Gamma { get; init; } = 0.9;
}

/// <summary>
/// A grid world as a <see cref="TabularMdp"/>: the classic textbook environment (Sutton &amp; Barto 2018, ch. 3–6;
/// Russell &amp; Norvig's 4×3 world). Actions 0 up, 1 right, 2 down, 3 left. A move goes in the chosen direction with
/// probability 1 − Slip and to each perpendicular direction with Slip/2; bumping into the edge or a wall stays put.
/// r(s,a,s') = −StepCost + GoalReward·𝟙[s' = goal] + PitReward·𝟙[s' a pit]; the goal and pits are terminal.
/// </summary>
public sealed class GridWorld
{
    private static readonly (int Dr, int Dc)[] Moves = [(-1, 0), (0, 1), (1, 0), (0, -1)];

    private readonly int[,] _index;    // [Rows, Columns] state index, −1 for walls

    private GridWorld(GridWorldOptions options, TabularMdp mdp, int[,] index, (int, int)[] cells)
    {
        Options = options;
        Mdp = mdp;
        _index = index;
        Cells = cells;
    }

    public GridWorldOptions Options { get; }

    public TabularMdp Mdp { get; }

    /// <summary>The cell of each state.</summary>
    public IReadOnlyList<(int Row, int Column)> Cells { get; }

    /// <summary>The action names, by index.</summary>
    public static IReadOnlyList<string> ActionNames { get; } = ["up", "right", "down", "left"];

    /// <summary>The state of a cell (walls have none).</summary>
    public int State(int row, int column) => _index[row, column] >= 0 ? _index[row, column]
        : throw new ArgumentException($"cell ({row}, {column}) is a wall, not a state");

    public static GridWorld Build(GridWorldOptions options)
    {
        if (options.Rows < 1 || options.Columns < 1) throw new ArgumentException($"GridWorldOptions.Rows/Columns must be ≥ 1 (got {options.Rows}×{options.Columns})");
        if (!(options.Slip >= 0 && options.Slip <= 1)) throw new ArgumentException($"GridWorldOptions.Slip must be in [0, 1] (got {options.Slip}); 0 is deterministic, 0.2 the textbook value");
        bool Inside((int R, int C) cell) => cell.R >= 0 && cell.R < options.Rows && cell.C >= 0 && cell.C < options.Columns;
        foreach ((string what, (int, int) cell) in new[] { ("Start", options.Start), ("Goal", options.Goal) }.Concat(options.Pits.Select(p => ("Pits", p))).Concat(options.Walls.Select(w => ("Walls", w))))
            if (!Inside(cell)) throw new ArgumentException($"GridWorldOptions.{what} cell {cell} is outside the {options.Rows}×{options.Columns} grid");
        if (options.Walls.Contains(options.Start) || options.Walls.Contains(options.Goal) || options.Pits.Contains(options.Start) || options.Pits.Contains(options.Goal) || options.Start == options.Goal)
            throw new ArgumentException("GridWorldOptions: Start and Goal must be distinct free cells (not walls or pits)");

        var index = new int[options.Rows, options.Columns];
        var cells = new List<(int, int)>();
        for (int r = 0; r < options.Rows; r++)
            for (int c = 0; c < options.Columns; c++)
            {
                index[r, c] = options.Walls.Contains((r, c)) ? -1 : cells.Count;
                if (index[r, c] >= 0) cells.Add((r, c));
            }

        int n = cells.Count;
        var p = new double[n, 4, n];
        var reward = new double[n, 4, n];
        var terminal = new bool[n];
        for (int s = 0; s < n; s++)
        {
            (int r, int c) = cells[s];
            terminal[s] = (r, c) == options.Goal || options.Pits.Contains((r, c));
            if (terminal[s]) continue;
            for (int a = 0; a < 4; a++)
            {
                (int Direction, double Probability)[] outcomes = [(a, 1 - options.Slip), ((a + 1) % 4, options.Slip / 2), ((a + 3) % 4, options.Slip / 2)];
                foreach ((int direction, double probability) in outcomes)
                {
                    if (probability == 0) continue;
                    (int nr, int nc) = (r + Moves[direction].Dr, c + Moves[direction].Dc);
                    int next = Inside((nr, nc)) && index[nr, nc] >= 0 ? index[nr, nc] : s;
                    p[s, a, next] += probability;
                }
                for (int next = 0; next < n; next++)
                {
                    (int Row, int Column) cell = cells[next];
                    reward[s, a, next] = -options.StepCost + (cell == options.Goal ? options.GoalReward : 0) + (options.Pits.Contains(cell) ? options.PitReward : 0);
                }
            }
        }
        var mdp = new TabularMdp(p, reward, terminal, options.Gamma, index[options.Start.Row, options.Start.Column]);
        return new GridWorld(options, mdp, index, cells.ToArray());
    }
}
