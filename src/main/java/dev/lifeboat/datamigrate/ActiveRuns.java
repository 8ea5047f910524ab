package dev.lifeboat.datamigrate;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/** The data migrations running in this process, by name: how the door hands a run to its job. */
@Component
final class ActiveRuns {

  private final Map<String, ActiveRun> byName = new ConcurrentHashMap<>();

  ActiveRun get(String name) {
    return byName.get(name);
  }

  void put(String name, ActiveRun run) {
    byName.put(name, run);
  }

  void remove(String name) {
    byName.remove(name);
  }
}
