"""SVG line and scatter charts in the style of the schedule stage's report (Sources/Report/Drawing:
DejaVu Sans, 13-pt bold title, 9.5-pt muted ticks, light grid, the report's colours), written as
plain text so the harness needs no plotting library."""
import math
from xml.sax.saxutils import escape

INK, MUTED, GRID = "#222222", "#666666", "#e3e3e3"
# The report's "selected" orange for this project, then viridis stops for the others.
PALETTE = ["#d9622b", "#6b8e23", "#440154", "#3e4a89", "#26828e", "#35b779", "#b4de2c", "#9db4ce"]
WIDTH, HEIGHT = 760, 400
# The legend has a column of its own at the right, so it never hides a line.
LEFT, TOP, RIGHT, BOTTOM = 64, 30, 250, 44


def ticks(low, high, count=5):
    """Round tick values (1, 2, 2.5 or 5 times a power of ten apart) covering low…high."""
    raw = ((high - low) or 1) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


class Chart:
    """One plot: axes with ticks and grid, then lines, points, labels and a legend."""

    def __init__(self, title, x_label, y_label, x_range, y_range, x_format="{:g}", y_format="{:g}", x_ticks=None):
        self.parts = []
        self.legend = []
        self.x_range, self.y_range = x_range, y_range
        plot_right, plot_bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
        self.text(title, WIDTH / 2, 17, size=13, bold=True, anchor="middle")
        for value in ticks(*y_range):
            y = self.y(value)
            self.parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{plot_right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="0.8"/>')
            self.text(y_format.format(value), LEFT - 6, y + 3.3, size=9.5, color=MUTED, anchor="end")
        for value in x_ticks or ticks(*x_range):
            x = self.x(value)
            self.parts.append(f'<line x1="{x:.1f}" y1="{plot_bottom}" x2="{x:.1f}" y2="{plot_bottom + 4}" stroke="{MUTED}" stroke-width="0.8"/>')
            self.text(x_format.format(value), x, plot_bottom + 15.5, size=9.5, color=MUTED, anchor="middle")
        self.parts.append(f'<path d="M{LEFT},{TOP} V{plot_bottom} H{plot_right}" fill="none" stroke="{INK}" stroke-width="1"/>')
        self.text(x_label, (LEFT + plot_right) / 2, HEIGHT - 8, size=11, anchor="middle")
        self.text(y_label, 14, (TOP + plot_bottom) / 2, size=11, anchor="middle", rotate=True)

    def x(self, value):
        low, high = self.x_range
        return LEFT + (value - low) / (high - low) * (WIDTH - RIGHT - LEFT)

    def y(self, value):
        low, high = self.y_range
        return HEIGHT - BOTTOM - (value - low) / (high - low) * (HEIGHT - BOTTOM - TOP)

    def text(self, string, x, y, size, color=INK, bold=False, anchor="start", rotate=False):
        style = f'font-family="DejaVu Sans" font-size="{size}" fill="{color}" text-anchor="{anchor}"'
        style += ' font-weight="bold"' if bold else ""
        style += f' transform="rotate(-90 {x:.1f} {y:.1f})"' if rotate else ""
        self.parts.append(f'<text x="{x:.1f}" y="{y:.1f}" {style}>{escape(string)}</text>')

    def band(self, xs, lows, highs, color):
        points = [(self.x(x), self.y(v)) for x, v in zip(xs, lows)] + [(self.x(x), self.y(v)) for x, v in zip(xs[::-1], highs[::-1])]
        self.parts.append(f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}" fill="{color}" fill-opacity="0.15"/>')

    def line(self, xs, ys, color, name=None, dashed=False, dots=True):
        path = " ".join(f"{'M' if i == 0 else 'L'}{self.x(x):.1f},{self.y(y):.1f}" for i, (x, y) in enumerate(zip(xs, ys)))
        dash = ' stroke-dasharray="4,2"' if dashed else ""
        self.parts.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        if dots:
            self.points(xs, ys, color)
        if name:
            self.legend.append((color, name))

    def points(self, xs, ys, color, name=None, labels=None):
        for i, (x, y) in enumerate(zip(xs, ys)):
            self.parts.append(f'<circle cx="{self.x(x):.1f}" cy="{self.y(y):.1f}" r="3.5" fill="{color}" stroke="{INK}" stroke-width="0.6"/>')
            if labels:
                self.text(labels[i], self.x(x) + 5, self.y(y) - 5, size=8.5, color=MUTED)
        if name:
            self.legend.append((color, name))

    def svg(self):
        """The chart; the legend as a column right of the plot."""
        x, y = WIDTH - RIGHT + 10, TOP
        legend = []
        for i, (color, name) in enumerate(self.legend):
            legend.append(f'<rect x="{x + 6:.1f}" y="{y + 6 + 16 * i}" width="12" height="10" fill="{color}"/>')
            legend.append(f'<text x="{x + 23:.1f}" y="{y + 15 + 16 * i}" font-family="DejaVu Sans" font-size="9.5" fill="{INK}">{escape(name)}</text>')
        body = "\n".join(self.parts + (legend if self.legend else []))
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}">\n'
                f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>\n{body}\n</svg>\n')
