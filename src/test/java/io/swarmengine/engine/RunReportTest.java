package io.swarmengine.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {

  @TempDir Path dir;

  private static final List<MetricsRow> ROWS =
      List.of(
          new MetricsRow(0, 0.0, 0, Double.NaN, Double.NaN, 1, 0, Double.NaN),
          new MetricsRow(120, 1.0004, 16, 0.25, 0.125, 1, 16, Double.NaN),
          new MetricsRow(250, 2.0, 32, Double.NaN, Double.NaN, 1, 32, Double.NaN),
          new MetricsRow(380, 3.0, 48, 0.5, 0.5, 2, 48, 12.34),
          new MetricsRow(500, 4.0, 64, 0.75, 0.625, 2, 64, 12.34));

  @Test
  void htmlIsSelfContainedWithChartsMarkersAndEscapedConfig() throws Exception {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("model", "gpt2-tiny");
    config.put("task", "a<b&c>d");
    Path file = dir.resolve("report.html");
    RunReport.write(file, "run <1>", ROWS, config, List.of("episodes: 64", "best & last"));

    String html = Files.readString(file);
    assertEquals(2, count(html, "<svg"));
    assertTrue(html.contains(">v2</text>"), "version marker label");
    assertTrue(html.contains("a&lt;b&amp;c&gt;d"));
    assertFalse(html.contains("a<b&c>d"));
    assertTrue(html.contains("run &lt;1&gt;"));
    assertTrue(html.contains("<li>best &amp; last</li>"));
    assertFalse(html.toLowerCase().contains("<script"));
    Matcher urls = Pattern.compile("https?://[^\"'\\s<>]*").matcher(html);
    while (urls.find()) {
      assertEquals("http://www.w3.org/2000/svg", urls.group());
    }
    assertFalse(html.contains("NaN,"), "NaN points are skipped, not plotted");
    assertFalse(html.contains("no data yet"));
    try (var leftovers = Files.list(dir)) {
      assertEquals(List.of(file), leftovers.toList(), "no temporary file left behind");
    }
  }

  @Test
  void csvHasHeaderAndExactFormatting() throws Exception {
    Path file = dir.resolve("metrics.csv");
    RunReport.writeCsv(file, ROWS);

    List<String> lines = Files.readAllLines(file);
    assertEquals(ROWS.size() + 1, lines.size());
    assertEquals(
        "position,elapsed_s,episodes,mean_reward,success_rate,adapter_version,replay_size,reload_p99_ms",
        lines.get(0));
    assertEquals("120,1.000,16,0.2500,0.1250,1,16,", lines.get(2));
    assertEquals("380,3.000,48,0.5000,0.5000,2,48,12.3", lines.get(4));
  }

  @Test
  void rowsAreAppendedOneLineEachAndReadBackAsWritten() throws Exception {
    Path file = dir.resolve("metrics.csv");
    for (MetricsRow row : ROWS) {
      RunReport.appendCsv(file, row);
    }
    assertEquals(ROWS.size() + 1, Files.readAllLines(file).size(), "one header, one line a row");
    List<String> skipped = new ArrayList<>();
    List<MetricsRow> back = RunReport.resumeCsv(file, skipped::add);
    assertEquals(List.of(), skipped);
    assertEquals(ROWS.size(), back.size());
    assertEquals(ROWS.get(3).csvLine(), back.get(3).csvLine());
    assertTrue(Double.isNaN(back.get(0).meanReward()) && Double.isNaN(back.get(0).reloadP99Millis()));
    assertEquals(List.of(), RunReport.resumeCsv(dir.resolve("absent.csv"), skipped::add));
  }

  @Test
  void aLineCutByAKillIsLeftOutAndTheNextRowStartsALineOfItsOwn() throws Exception {
    Path file = dir.resolve("metrics.csv");
    RunReport.appendCsv(file, ROWS.get(0));
    RunReport.appendCsv(file, ROWS.get(1));
    Files.writeString(file, "250,2.0", java.nio.file.StandardOpenOption.APPEND); // the process died mid-line
    List<String> skipped = new ArrayList<>();
    List<MetricsRow> back = RunReport.resumeCsv(file, skipped::add);
    assertEquals(2, back.size());
    assertEquals(2, skipped.size());
    assertTrue(skipped.get(0).contains("line 4") && skipped.get(0).contains("expected 8 columns"), skipped.get(0));
    Path kept;
    try (var files = Files.list(dir)) {
      kept = files.filter(f -> f.getFileName().toString().endsWith(".bak")).findFirst().orElseThrow();
    }
    assertTrue(Files.readString(kept).endsWith("250,2.0"), "the file as it was is kept");
    assertTrue(skipped.get(1).contains(kept.toString()), skipped.get(1));

    MetricsRow resumed = new MetricsRow(260, 0.5, 4, 1.0, 1.0, 1, 20, Double.NaN).after(back.get(1));
    assertEquals(1.5, resumed.elapsedSeconds(), 1e-9, "time goes on from the last row (1.000 as written, then 0.5)");
    assertEquals(20, resumed.episodes(), "so do the episodes");
    RunReport.appendCsv(file, resumed);
    List<String> lines = Files.readAllLines(file);
    assertEquals(4, lines.size());
    assertEquals("260,1.500,20,1.0000,1.0000,1,20,", lines.get(3));
  }

  @Test
  void aVersionEverySecondStillLeavesThePlotReadable() throws Exception {
    List<MetricsRow> rows = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      rows.add(new MetricsRow(4L * i, i, 32L * i, 0.5, 0.5, i, 4L * i, 20));
    }
    Path file = dir.resolve("report.html");
    RunReport.write(file, "long", rows, Map.of(), List.of());
    String html = Files.readString(file);
    int lines = count(html, "class=\"marker\""); // both charts: 648 units wide, a line at most every 6
    assertTrue(lines > 2 * 50 && lines <= 2 * 109, "one marker per few units, not 3,000 per chart: " + lines);
    assertTrue(html.contains(">v1</text>"), "the first version change is marked");
  }

  @Test
  void noRowsSaysNoDataYetAndOneRowStillDraws() throws Exception {
    Path file = dir.resolve("report.html");
    RunReport.write(file, "empty", List.of(), Map.of(), List.of());
    String empty = Files.readString(file);
    assertTrue(empty.contains("no data yet"));
    assertFalse(empty.contains("<svg"));

    RunReport.write(file, "one", List.of(ROWS.get(1)), Map.of(), List.of());
    String one = Files.readString(file);
    assertEquals(2, count(one, "<svg"));
    assertEquals(2, count(one, "<circle"), "a lone point is drawn as a dot");
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
