package dev.lifeboat;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class LifeboatApplication {
  public static void main(String[] args) {
    System.exit(SpringApplication.exit(SpringApplication.run(LifeboatApplication.class, args)));
  }
}
