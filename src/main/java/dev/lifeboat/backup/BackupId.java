package dev.lifeboat.backup;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Set;
import java.util.regex.Pattern;

/** Backup ids: the UTC start time {@code yyyyMMdd'T'HHmmss'Z'}, with {@code -N} when taken. */
final class BackupId {

  private static final DateTimeFormatter FORMAT =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern VALID = Pattern.compile("\\d{8}T\\d{6}Z(-\\d+)?");

  private BackupId() {}

  public static String next(Instant startedAt, Set<String> taken) {
    String base = FORMAT.format(startedAt);
    String id = base;
    for (int n = 1; taken.contains(id); n++) {
      id = base + "-" + n;
    }
    return id;
  }

  public static boolean isValid(String id) {
    return id != null && VALID.matcher(id).matches();
  }
}
