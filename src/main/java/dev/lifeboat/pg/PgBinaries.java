package dev.lifeboat.pg;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds PostgreSQL programs ({@code pg_dump}, {@code pg_restore}, {@code psql}, {@code initdb},
 * {@code pg_ctl}) and their versions: first in the configured {@code lifeboat.pg.bin-dirs}, then on
 * {@code PATH}, then in every {@code /usr/lib/postgresql/<major>/bin}.
 */
public final class PgBinaries {

  private static final Logger LOG = LoggerFactory.getLogger(PgBinaries.class);

  private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
  private static final Pattern VERSION =
      Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+(?:\\.\\d+){0,2})([A-Za-z]\\w*)?");

  /** Asks a program for its version line; the seam unit tests replace. */
  interface VersionProbe {
    Optional<String> versionOutput(Path program);
  }

  private final List<Path> searchDirs;
  private final VersionProbe probe;
  private final Map<String, List<PgTool>> cache = new ConcurrentHashMap<>();

  /** Searches {@code extraDirs} (from {@code lifeboat.pg.bin-dirs}) before the usual places. */
  public PgBinaries(List<Path> extraDirs) {
    this(defaultSearchDirs(extraDirs, System.getenv("PATH"), DEBIAN_ROOT), realProbe());
  }

  PgBinaries(List<Path> searchDirs, VersionProbe probe) {
    this.searchDirs = List.copyOf(searchDirs);
    this.probe = probe;
  }

  /** The directories searched, in order. */
  public List<Path> searchDirs() {
    return searchDirs;
  }

  static List<Path> defaultSearchDirs(List<Path> extraDirs, String pathEnv, Path debianRoot) {
    Set<Path> dirs = new LinkedHashSet<>(extraDirs);
    if (pathEnv != null) {
      for (String p : pathEnv.split(java.io.File.pathSeparator)) {
        if (!p.isBlank()) {
          dirs.add(Path.of(p));
        }
      }
    }
    List<Path> versioned = new ArrayList<>();
    if (Files.isDirectory(debianRoot)) {
      try (DirectoryStream<Path> majors = Files.newDirectoryStream(debianRoot)) {
        for (Path m : majors) {
          if (m.getFileName().toString().matches("\\d+(\\.\\d+)?")) {
            versioned.add(m.resolve("bin"));
          }
        }
      } catch (IOException e) {
        // unreadable: nothing found there
        LOG.debug("could not list {}: {}", debianRoot, e.getMessage());
      }
    }
    versioned.sort(
        Comparator.comparing((Path p) -> p.getParent().getFileName().toString(), VERSION_ORDER)
            .reversed());
    dirs.addAll(versioned);
    return List.copyOf(dirs);
  }

  /** Every runnable copy of {@code tool} found, in search order, each once. */
  public List<PgTool> candidates(String tool) {
    return cache.computeIfAbsent(tool, this::discover);
  }

  private List<PgTool> discover(String tool) {
    List<PgTool> found = new ArrayList<>();
    Set<Path> seen = new LinkedHashSet<>();
    for (Path dir : searchDirs) {
      Path program = dir.resolve(tool);
      if (!Files.isRegularFile(program) || !Files.isExecutable(program)) {
        continue;
      }
      Path real;
      try {
        real = program.toRealPath();
      } catch (IOException e) {
        LOG.debug("skipped {}: {}", program, e.getMessage());
        continue;
      }
      // Debian's pg_wrapper picks a version by its own rules; the real binaries are searched anyway
      if (!real.getFileName().toString().equals(tool) || !seen.add(real)) {
        continue;
      }
      probe
          .versionOutput(program)
          .flatMap(PgBinaries::parseVersion)
          .ifPresent(v -> found.add(new PgTool(tool, program, v, majorOf(v))));
    }
    return List.copyOf(found);
  }

  /**
   * The copy of {@code tool} to use against a server of major version {@code minMajor} (0: any).
   *
   * @throws PgToolNotFoundException naming what was found and what to install
   */
  public PgTool require(String tool, int minMajor) {
    return choose(tool, minMajor, candidates(tool));
  }

  static PgTool choose(String tool, int minMajor, List<PgTool> candidates) {
    List<PgTool> fit = candidates.stream().filter(t -> t.major() >= minMajor).toList();
    // pg_dump must be >= the server's major; the same major is the best-tested pairing, else newest
    Comparator<PgTool> newest = Comparator.comparing(PgTool::version, VERSION_ORDER);
    Optional<PgTool> same =
        fit.stream().filter(t -> t.major() == minMajor).reduce((a, b) -> pickNewer(a, b, newest));
    if (same.isPresent()) {
      return same.get();
    }
    return fit.stream()
        .reduce((a, b) -> pickNewer(a, b, newest))
        .orElseThrow(() -> notFound(tool, minMajor, candidates));
  }

  // ties keep the earlier one, so the configured directories win over PATH
  private static PgTool pickNewer(PgTool a, PgTool b, Comparator<PgTool> order) {
    return order.compare(b, a) > 0 ? b : a;
  }

  private static PgToolNotFoundException notFound(
      String tool, int minMajor, List<PgTool> candidates) {
    String found =
        candidates.isEmpty()
            ? "none"
            : candidates.stream()
                .map(t -> t.version() + " at " + t.path())
                .collect(Collectors.joining(", "));
    boolean server = tool.equals("initdb") || tool.equals("pg_ctl") || tool.equals("postgres");
    String pkg =
        (server ? "postgresql" : "postgresql-client") + (minMajor > 0 ? "-" + minMajor : "");
    String wanted = minMajor > 0 ? " of major version >= " + minMajor : "";
    return new PgToolNotFoundException(
        "no "
            + tool
            + wanted
            + " found (found: "
            + found
            + "); install "
            + pkg
            + " or set lifeboat.pg.bin-dirs");
  }

  /**
   * The version in a {@code --version} line: {@code pg_dump (PostgreSQL) 15.18 (Debian …)} gives
   * {@code 15.18}, {@code 9.6.24} stays {@code 9.6.24}, {@code 17beta2} gives {@code 17beta2}.
   */
  static Optional<String> parseVersion(String versionOutput) {
    if (versionOutput == null) {
      return Optional.empty();
    }
    Matcher m = VERSION.matcher(versionOutput);
    if (!m.find()) {
      return Optional.empty();
    }
    return Optional.of(m.group(1) + (m.group(2) == null ? "" : m.group(2)));
  }

  /** The leading number of a version: 15 for 15.18, 9 for 9.6.24. */
  static int majorOf(String version) {
    Matcher m = Pattern.compile("^(\\d+)").matcher(version);
    if (!m.find()) {
      throw new IllegalArgumentException("not a PostgreSQL version: " + version);
    }
    return Integer.parseInt(m.group(1));
  }

  /** The major version of a server from {@code SHOW server_version_num}: 150018 → 15, 90624 → 9. */
  public static int serverMajor(int serverVersionNum) {
    // 10 and later: MMmmmm; 9.x: MMmmpp, whose first number is what this tool compares
    return serverVersionNum / 10000;
  }

  /** Compares versions numerically part by part; a pre-release (16beta1) sorts before 16.0. */
  static final Comparator<String> VERSION_ORDER =
      (a, b) -> {
        int[] x = versionKey(a);
        int[] y = versionKey(b);
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
          int xi = i < x.length ? x[i] : 0;
          int yi = i < y.length ? y[i] : 0;
          if (xi != yi) {
            return Integer.compare(xi, yi);
          }
        }
        return 0;
      };

  private static int[] versionKey(String v) {
    Matcher m = Pattern.compile("^(\\d+(?:\\.\\d+)*)(.*)$").matcher(v);
    if (!m.matches()) {
      return new int[0];
    }
    String[] parts = m.group(1).split("\\.");
    int[] key = new int[Math.max(parts.length, 3) + 1];
    for (int i = 0; i < parts.length; i++) {
      key[i] = Integer.parseInt(parts[i]);
    }
    // release: 0 after the numbers; pre-release: -1
    key[key.length - 1] = m.group(2).isEmpty() ? 0 : -1;
    return key;
  }

  private static VersionProbe realProbe() {
    ProcessRunner runner = ProcessRunner.system();
    return program -> {
      try {
        ProcessRunner.Result r =
            runner.run(
                List.of(program.toString(), "--version"), Map.of(), null, Duration.ofSeconds(10));
        return r.exitCode() == 0 ? Optional.of(r.stdout()) : Optional.empty();
      } catch (PgToolException e) {
        return Optional.empty();
      }
    };
  }
}
