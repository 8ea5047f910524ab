package dev.lifeboat.datamigrate;

import dev.lifeboat.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * One chunked data migration as written in {@code jobs/data-migrations/NAME.yml}: the SQL run once
 * per key range {@code [:from, :to)} of {@code table.key}.
 */
record DataMigrationSpec(
    String name,
    Path file,
    String target,
    String table,
    String key,
    int chunkSize,
    int parallelism,
    Duration pauseBetweenChunks,
    String sql) {

  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  private static final Pattern FROM = Pattern.compile("(?<![:\\w]):from\\b");
  private static final Pattern TO = Pattern.compile("(?<![:\\w]):to\\b");
  private static final Pattern QUALIFIED =
      Pattern.compile("(?:[A-Za-z_][A-Za-z0-9_$]*\\.)?[A-Za-z_][A-Za-z0-9_$]*");
  private static final Pattern COLUMN = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m)?");
  private static final Set<String> FIELDS =
      Set.of("target", "table", "key", "chunk-size", "parallelism", "pause-between-chunks", "sql");

  /** The spec file {@code dir/NAME.yml}, read and checked on its own (no database yet). */
  static DataMigrationSpec load(Path dir, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new ConfigException(
          "NAME",
          "'"
              + name
              + "' is not a data migration name; use letters, digits, '_', '-' or '.' (the file"
              + " name without .yml)");
    }
    Path file = dir.resolve(name + ".yml");
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(
          "lifeboat.data-migrations.dir",
          "no data migration '" + name + "': " + file + " does not exist");
    }
    Object loaded;
    try {
      loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(file.toString(), "cannot read it as YAML: " + e.getMessage());
    }
    if (!(loaded instanceof Map<?, ?> map)) {
      throw new ConfigException(file.toString(), "expected a YAML mapping with table, key and sql");
    }
    for (Object k : map.keySet()) {
      if (!FIELDS.contains(String.valueOf(k))) {
        throw invalid(file, String.valueOf(k), "unknown field; expected one of " + FIELDS);
      }
    }
    String table = text(file, map, "table", true);
    if (!QUALIFIED.matcher(table).matches()) {
      throw invalid(file, "table", "'" + table + "' is not a table name (schema.table or table)");
    }
    String key = text(file, map, "key", true);
    if (!COLUMN.matcher(key).matches()) {
      throw invalid(file, "key", "'" + key + "' is not a column name");
    }
    String sql = text(file, map, "sql", true).strip();
    if (!FROM.matcher(sql).find() || !TO.matcher(sql).find()) {
      throw invalid(
          file,
          "sql",
          "must use both :from and :to to limit each chunk (for example WHERE "
              + key
              + " >= :from AND "
              + key
              + " < :to)");
    }
    int chunkSize = integer(file, map, "chunk-size", 10_000);
    int parallelism = integer(file, map, "parallelism", 1);
    if (parallelism > 64) {
      throw invalid(file, "parallelism", "at most 64 partitions");
    }
    return new DataMigrationSpec(
        name,
        file,
        text(file, map, "target", false),
        table,
        key,
        chunkSize,
        parallelism,
        duration(file, map.get("pause-between-chunks")),
        sql);
  }

  /** The SQL of the chunk {@code [from, to)}: the key bounds are numbers we computed, inlined. */
  String chunkSql(long from, long to) {
    String s = FROM.matcher(sql).replaceAll(Long.toString(from));
    return TO.matcher(s).replaceAll(Long.toString(to));
  }

  static ConfigException invalid(Path file, String field, String why) {
    return new ConfigException(file + ": " + field, why);
  }

  private static String text(Path file, Map<?, ?> map, String field, boolean required) {
    Object v = map.get(field);
    if (v == null || v.toString().isBlank()) {
      if (required) {
        throw invalid(file, field, "missing; every data migration needs table, key and sql");
      }
      return null;
    }
    if (v instanceof Map || v instanceof Iterable) {
      throw invalid(file, field, "expected a single value");
    }
    return v.toString().trim();
  }

  private static int integer(Path file, Map<?, ?> map, String field, int dflt) {
    Object v = map.get(field);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.toString().trim());
      if (n < 1) {
        throw invalid(file, field, "must be at least 1, not " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw invalid(file, field, "'" + v + "' is not a whole number");
    }
  }

  private static Duration duration(Path file, Object v) {
    if (v == null) {
      return Duration.ZERO;
    }
    Matcher m = DURATION.matcher(v.toString().trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw invalid(file, "pause-between-chunks", "'" + v + "' is not a duration like 50ms or 2s");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "ms" : m.group(2);
    return switch (unit) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofMillis(n);
    };
  }
}
