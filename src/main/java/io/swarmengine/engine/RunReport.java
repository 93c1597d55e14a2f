package io.swarmengine.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * A run's report files: {@code metrics.csv}, and a self-contained HTML page (inline CSS and SVG, no
 * scripts, nothing fetched, so it opens from disk or an archive anywhere) with the summary, mean
 * reward and success rate against position with a marker at each adapter version change, the
 * config, and the latest row. Both are replaced atomically, so a browser or script reading them
 * mid-run never sees half a file.
 */
public final class RunReport {

  // Chart geometry in SVG user units; the margins hold the tick and version labels.
  private static final int WIDTH = 720;
  private static final int HEIGHT = 260;
  private static final int LEFT = 56;
  private static final int RIGHT = 16;
  private static final int TOP = 22;
  private static final int BOTTOM = 40;
  /** The least distance between two version markers drawn. */
  private static final double MARKER_GAP = 6;
  /** A generous width of one 10px sans-serif character, for spacing version labels. */
  private static final double CHAR_WIDTH = 6.5;

  private static final String STYLE =
      """
      body{font-family:sans-serif;color:#222;margin:24px;max-width:760px}
      h2{font-size:1.1em;margin-top:1.6em}
      table{border-collapse:collapse;font-size:.9em}
      th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
      td{font-family:monospace}
      svg text{font-size:10px;fill:#555}
      .frame{fill:#fff;stroke:#999}
      .grid{stroke:#eee}
      .tick{stroke:#999}
      .series{fill:none;stroke:#1f77b4;stroke-width:1.5}
      .dot{fill:#1f77b4}
      .marker{stroke:#888;stroke-dasharray:4 3;opacity:.6}
      """;

  private RunReport() {}

  /**
   * Writes the HTML report to {@code file}. The config is listed in the map's iteration order, so
   * pass a sorted or insertion-ordered map for a stable page.
   */
  public static void write(
      Path file, String title, List<MetricsRow> rows, Map<String, String> config, List<String> summaryLines)
      throws IOException {
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>").append(escape(title)).append("</title>\n")
        .append("<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n")
        .append("<h1>").append(escape(title)).append("</h1>\n");
    if (!summaryLines.isEmpty()) {
      html.append("<ul>\n");
      for (String line : summaryLines) {
        html.append("<li>").append(escape(line)).append("</li>\n");
      }
      html.append("</ul>\n");
    }
    if (rows.isEmpty()) {
      html.append("<p>no data yet</p>\n");
    } else {
      double rewardLo = 0;
      double rewardHi = 1;
      for (MetricsRow row : rows) {
        if (Double.isFinite(row.meanReward())) {
          rewardLo = Math.min(rewardLo, row.meanReward());
          rewardHi = Math.max(rewardHi, row.meanReward());
        }
      }
      html.append("<h2>Mean reward</h2>\n");
      chart(html, rows, MetricsRow::meanReward, rewardLo, rewardHi, "mean reward");
      html.append("<h2>Success rate</h2>\n");
      chart(html, rows, MetricsRow::successRate, 0, 1, "success rate");
      latest(html, rows.get(rows.size() - 1));
    }
    html.append("<h2>Config</h2>\n");
    if (config.isEmpty()) {
      html.append("<p>none</p>\n");
    } else {
      html.append("<table>\n<tr><th>key</th><th>value</th></tr>\n");
      for (Map.Entry<String, String> entry : config.entrySet()) {
        html.append("<tr><td>").append(escape(entry.getKey()))
            .append("</td><td>").append(escape(entry.getValue())).append("</td></tr>\n");
      }
      html.append("</table>\n");
    }
    html.append("</body>\n</html>\n");
    writeAtomically(file, html.toString());
  }

  /**
   * Appends one row to {@code file}, starting it with the header when it is new: a live run writes
   * a line a second, never the whole file again.
   */
  public static void appendCsv(Path file, MetricsRow row) throws IOException {
    String line = row.csvLine() + "\n";
    if (!Files.exists(file)) {
      line = MetricsRow.CSV_HEADER + "\n" + line;
    }
    Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /**
   * The rows of an earlier session's {@code metrics.csv}, ready to append to (none when there is no
   * file). A line that does not parse (the last one, cut by a {@code kill -9} mid-write) is left
   * out and reported to {@code skipped} with its line number, and the file is rewritten without it
   * so the next row starts a line of its own; the file as it was is kept beside it first
   * ({@code metrics.csv.<millis>.bak}, named in the report), so nothing is lost.
   */
  public static List<MetricsRow> resumeCsv(Path file, Consumer<String> skipped) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    String[] lines = text.split("\n");
    List<MetricsRow> rows = new ArrayList<>(lines.length);
    boolean clean = text.isEmpty() || text.endsWith("\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if ((i == 0 && line.equals(MetricsRow.CSV_HEADER)) || line.isEmpty()) {
        continue;
      }
      try {
        rows.add(MetricsRow.parse(line));
      } catch (IllegalArgumentException e) {
        skipped.accept(file + " line " + (i + 1) + ": " + e.getMessage());
        clean = false;
      }
    }
    if (!clean) {
      Path kept = file.resolveSibling(file.getFileName() + "." + System.currentTimeMillis() + ".bak");
      Files.copy(file, kept);
      skipped.accept(file + " rewritten without them; as it was: " + kept);
      writeCsv(file, rows);
    }
    return rows;
  }

  /** Writes {@code rows} to {@code file} as CSV under {@link MetricsRow#CSV_HEADER}, replacing it whole. */
  static void writeCsv(Path file, List<MetricsRow> rows) throws IOException {
    StringBuilder csv = new StringBuilder(MetricsRow.CSV_HEADER).append('\n');
    for (MetricsRow row : rows) {
      csv.append(row.csvLine()).append('\n');
    }
    writeAtomically(file, csv.toString());
  }

  /** A line chart of {@code metric} against position, y spanning at least {@code yLo} to {@code yHi}. */
  private static void chart(
      StringBuilder svg, List<MetricsRow> rows, ToDoubleFunction<MetricsRow> metric, double yLo, double yHi, String yLabel) {
    double xLo = Double.POSITIVE_INFINITY;
    double xHi = Double.NEGATIVE_INFINITY;
    for (MetricsRow row : rows) {
      xLo = Math.min(xLo, row.position());
      xHi = Math.max(xHi, row.position());
    }
    if (xLo == xHi) {
      // One position (a single row) still needs a span; centre it unless that goes below zero.
      xLo = Math.max(0, xLo - 1);
      xHi = xLo + 2;
    }
    // The y axis widens to whole ticks, so the extreme points do not sit on the frame unlabelled.
    double yStep = tickStep(yLo, yHi, 5, false);
    long yFirst = (long) Math.floor(yLo / yStep + 1e-9);
    long yLast = (long) Math.ceil(yHi / yStep - 1e-9);
    Scale x = new Scale(xLo, xHi, LEFT, WIDTH - RIGHT);
    Scale y = new Scale(yFirst * yStep, yLast * yStep, HEIGHT - BOTTOM, TOP);

    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH)
        .append("\" height=\"").append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
        .append("\" role=\"img\" aria-label=\"").append(escape(yLabel + " by position")).append("\">\n");
    svg.append("<rect class=\"frame\" x=\"").append(LEFT).append("\" y=\"").append(TOP)
        .append("\" width=\"").append(WIDTH - LEFT - RIGHT).append("\" height=\"").append(HEIGHT - TOP - BOTTOM)
        .append("\"/>\n");

    for (long k = yFirst; k <= yLast; k++) {
      String py = coordinate(y.at(k * yStep));
      svg.append("<line class=\"grid\" x1=\"").append(LEFT).append("\" y1=\"").append(py)
          .append("\" x2=\"").append(WIDTH - RIGHT).append("\" y2=\"").append(py).append("\"/>")
          .append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(py)
          .append("\" dy=\"3.5\" text-anchor=\"end\">").append(tickLabel(k * yStep, yStep)).append("</text>\n");
    }
    double xStep = tickStep(xLo, xHi, 8, true);
    for (long k = (long) Math.ceil(xLo / xStep - 1e-9); k * xStep <= xHi + xStep * 1e-9; k++) {
      String px = coordinate(x.at(k * xStep));
      svg.append("<line class=\"tick\" x1=\"").append(px).append("\" y1=\"").append(HEIGHT - BOTTOM)
          .append("\" x2=\"").append(px).append("\" y2=\"").append(HEIGHT - BOTTOM + 4).append("\"/>")
          .append("<text x=\"").append(px).append("\" y=\"").append(HEIGHT - BOTTOM + 15)
          .append("\" text-anchor=\"middle\">").append(tickLabel(k * xStep, xStep)).append("</text>\n");
    }
    svg.append("<text x=\"").append((LEFT + WIDTH - RIGHT) / 2).append("\" y=\"").append(HEIGHT - 6)
        .append("\" text-anchor=\"middle\">position</text>\n")
        .append("<text transform=\"rotate(-90)\" x=\"").append(-(TOP + HEIGHT - BOTTOM) / 2)
        .append("\" y=\"14\" text-anchor=\"middle\">").append(escape(yLabel)).append("</text>\n");

    versionMarkers(svg, rows, x);
    series(svg, rows, metric, x, y);
    svg.append("</svg>\n");
  }

  /**
   * A dashed line where the adapter version differs from the previous row's, labelled {@code v<N>}
   * above the plot. Lines closer than {@value #MARKER_GAP} units to the last one drawn are left
   * off (a live run changes version every second: the plot would turn grey), and labels are placed
   * greedily left to right, one that would overlap the last placed left off, so dense swaps stay
   * readable.
   */
  private static void versionMarkers(StringBuilder svg, List<MetricsRow> rows, Scale x) {
    double labelledUpTo = Double.NEGATIVE_INFINITY;
    double drawnAt = Double.NEGATIVE_INFINITY;
    for (int i = 1; i < rows.size(); i++) {
      MetricsRow row = rows.get(i);
      if (row.adapterVersion() == rows.get(i - 1).adapterVersion()) {
        continue;
      }
      double px = x.at(row.position());
      if (px - drawnAt < MARKER_GAP) {
        continue;
      }
      drawnAt = px;
      svg.append("<line class=\"marker\" x1=\"").append(coordinate(px)).append("\" y1=\"").append(TOP)
          .append("\" x2=\"").append(coordinate(px)).append("\" y2=\"").append(HEIGHT - BOTTOM).append("\"/>\n");
      String label = "v" + row.adapterVersion();
      double halfWidth = label.length() * CHAR_WIDTH / 2;
      if (px - halfWidth >= labelledUpTo) {
        svg.append("<text x=\"").append(coordinate(px)).append("\" y=\"").append(TOP - 6)
            .append("\" text-anchor=\"middle\">").append(label).append("</text>\n");
        labelledUpTo = px + halfWidth + 3;
      }
    }
  }

  /**
   * The metric as a path that breaks at every non-finite value (no groups recorded in that
   * second), so a gap is not drawn as a straight line across it. A point with gaps on both sides
   * would be an invisible zero-length segment, so it gets a dot instead.
   */
  private static void series(
      StringBuilder svg, List<MetricsRow> rows, ToDoubleFunction<MetricsRow> metric, Scale x, Scale y) {
    StringBuilder path = new StringBuilder();
    StringBuilder dots = new StringBuilder();
    for (int i = 0; i < rows.size(); i++) {
      double value = metric.applyAsDouble(rows.get(i));
      if (!Double.isFinite(value)) {
        continue;
      }
      boolean joinsPrevious = i > 0 && Double.isFinite(metric.applyAsDouble(rows.get(i - 1)));
      boolean joinsNext = i + 1 < rows.size() && Double.isFinite(metric.applyAsDouble(rows.get(i + 1)));
      String px = coordinate(x.at(rows.get(i).position()));
      String py = coordinate(y.at(value));
      path.append(path.length() == 0 ? "" : " ").append(joinsPrevious ? 'L' : 'M').append(px).append(',').append(py);
      if (!joinsPrevious && !joinsNext) {
        dots.append("<circle class=\"dot\" cx=\"").append(px).append("\" cy=\"").append(py).append("\" r=\"2.5\"/>\n");
      }
    }
    if (path.length() > 0) {
      svg.append("<path class=\"series\" d=\"").append(path).append("\"/>\n");
    }
    svg.append(dots);
  }

  /** The last row as a one-row table under the CSV's column names, so the two always agree. */
  private static void latest(StringBuilder html, MetricsRow last) {
    String[] names = MetricsRow.CSV_HEADER.split(",");
    String[] values = last.csvLine().split(",", -1);
    html.append("<h2>Latest</h2>\n<table>\n<tr>");
    for (String name : names) {
      html.append("<th>").append(escape(name)).append("</th>");
    }
    html.append("</tr>\n<tr>");
    for (String value : values) {
      html.append("<td>").append(value.isEmpty() ? "n/a" : escape(value)).append("</td>");
    }
    html.append("</tr>\n</table>\n");
  }

  /** About {@code count} steps over [lo, hi], rounded to 1, 2 or 5 times a power of ten. */
  private static double tickStep(double lo, double hi, int count, boolean integral) {
    double raw = (hi - lo) / count;
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double fraction = raw / magnitude;
    double step = magnitude * (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10);
    // Positions are whole numbers, so a fractional tick would label a position that cannot occur.
    return integral ? Math.max(1, step) : step;
  }

  /** A tick value with only the decimals its step needs, millions and thousands abbreviated. */
  private static String tickLabel(double value, double step) {
    if (value == 0) {
      return "0";
    }
    if (step >= 1e6) {
      return decimal(value / 1e6, step / 1e6) + "M";
    }
    if (step >= 1e3) {
      return decimal(value / 1e3, step / 1e3) + "k";
    }
    return decimal(value, step);
  }

  private static String decimal(double value, double step) {
    int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }

  private static String coordinate(double value) {
    return String.format(Locale.ROOT, "%.1f", value);
  }

  private static String escape(String text) {
    String s = String.valueOf(text);
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Writes beside {@code file} and renames over it, so readers see the old file or the new one,
   * never a partial one. The temporary name is unique but not made by createTempFile, whose
   * owner-only permissions would carry over to a report that others are meant to read.
   */
  private static void writeAtomically(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Maps [lo, hi] linearly onto [from, to]. */
  private record Scale(double lo, double hi, double from, double to) {
    double at(double value) {
      return from + (value - lo) / (hi - lo) * (to - from);
    }
  }
}
