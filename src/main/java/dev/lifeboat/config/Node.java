package dev.lifeboat.config;

import java.net.InetAddress;
import org.springframework.stereotype.Component;

/**
 * This process's node name in the job history and the scheduler: {@code lifeboat.node}, else the
 * host name.
 */
@Component
public final class Node {

  private final String name;

  public Node(LifeboatProperties properties) {
    this.name =
        properties.node() != null && !properties.node().isBlank()
            ? properties.node().trim()
            : hostName();
  }

  public String name() {
    return name;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      String env = System.getenv("HOSTNAME");
      return env == null || env.isBlank() ? "localhost" : env;
    }
  }
}
