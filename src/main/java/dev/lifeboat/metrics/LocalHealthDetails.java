package dev.lifeboat.metrics;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.net.InetAddress;
import java.security.Principal;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} shows its details (which store is down, and why) only to requests from
 * this machine: the actuator shows them "when authorized", and a request from a loopback address is
 * the one this filter authorizes. Anyone else sees UP or DOWN alone.
 */
@Component
final class LocalHealthDetails implements Filter {

  private static final Principal LOCAL = () -> "local";

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (request instanceof HttpServletRequest http && loopback(http.getRemoteAddr())) {
      request =
          new HttpServletRequestWrapper(http) {
            @Override
            public Principal getUserPrincipal() {
              return LOCAL;
            }

            @Override
            public boolean isUserInRole(String role) {
              return true;
            }
          };
    }
    chain.doFilter(request, response);
  }

  static boolean loopback(String address) {
    try {
      return address != null && InetAddress.getByName(address).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }
}
