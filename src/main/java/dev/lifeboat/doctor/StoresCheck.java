package dev.lifeboat.doctor;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.run.CheckStatus;
import dev.lifeboat.run.DoctorCheck;
import dev.lifeboat.run.Finding;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.target.Targets;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.UUID;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Every configured store: answers with its credentials, takes a small probe object, gives it back
 * whole, lists it, and has it removed; free space of filesystem stores; versioning and Object Lock
 * of S3 buckets (shown, not required).
 */
@Component
@Order(3)
final class StoresCheck extends DoctorCheck {

  /** Below this much free space a filesystem store is a warning. */
  static final long LOW_SPACE = 1L << 30;

  static final String PROBE_PREFIX = "lifeboat-doctor/";

  private final LifeboatConfig config;
  private final Targets targets;

  StoresCheck(LifeboatConfig config, Targets targets) {
    super("stores");
    this.config = config;
    this.targets = targets;
  }

  @Override
  public List<Probe> probes() {
    List<Probe> probes = new ArrayList<>();
    for (String name : config.properties().stores().keySet()) {
      probes.add(new Probe("store " + name, () -> List.of(check(name))));
    }
    return probes;
  }

  private Finding check(String name) {
    String finding = "store " + name;
    BackupStore store;
    try {
      store = targets.store(name);
    } catch (RuntimeException e) {
      return Finding.fail(finding, e.getMessage());
    }
    String step = "reachable";
    String key = PROBE_PREFIX + UUID.randomUUID() + ".probe";
    try {
      store.probe();
      step = "writable (probe object " + key + ")";
      byte[] content = ("lifeboat doctor probe " + key).getBytes(StandardCharsets.UTF_8);
      store.put(key, content);
      step = "readable";
      byte[] back;
      try (InputStream in = store.open(key)) {
        back = in.readAllBytes();
      }
      if (!java.util.Arrays.equals(content, back)) {
        return Finding.fail(finding, "the probe object came back different from what was written");
      }
      step = "listable";
      boolean listed = store.list(PROBE_PREFIX).stream().anyMatch(o -> o.key().equals(key));
      if (!listed) {
        return Finding.fail(
            finding, "the probe object was written but the listing does not show it");
      }
      step = "able to delete";
      store.delete(List.of(key));
    } catch (Exception e) {
      return Finding.fail(finding, "not " + step + ": " + e.getMessage());
    }
    StringBuilder detail =
        new StringBuilder(store.describe()).append(": reachable, writable, readable, listable");
    CheckStatus status = CheckStatus.OK;
    OptionalLong free = store.freeBytes();
    if (free.isPresent()) {
      detail.append(String.format(Locale.ROOT, "; %.1f GB free", free.getAsLong() / 1e9));
      if (free.getAsLong() < LOW_SPACE) {
        status = CheckStatus.WARN;
        detail.append(" (low)");
      }
    }
    store.protection().ifPresent(p -> detail.append("; ").append(p));
    return new Finding(finding, status, detail.toString());
  }
}
