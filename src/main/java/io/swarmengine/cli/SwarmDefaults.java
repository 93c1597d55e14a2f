package io.swarmengine.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Collections;
import java.util.Enumeration;
import java.util.ResourceBundle;

/**
 * The defaults of reference.conf as a resource bundle, so that help texts show them through
 * picocli's {@code ${bundle:swarm.positions}} instead of a copy that goes stale. Only {@code swarm.*}
 * keys: picocli also looks in a command's bundle for its descriptions, which stay in the code.
 */
public final class SwarmDefaults extends ResourceBundle {
  private static final Config DEFAULTS = ConfigFactory.defaultReference();

  @Override
  protected Object handleGetObject(String key) {
    return key.startsWith("swarm.") && DEFAULTS.hasPath(key) ? DEFAULTS.getValue(key).unwrapped().toString() : null;
  }

  @Override
  public Enumeration<String> getKeys() {
    return Collections.emptyEnumeration(); // looked up by name only
  }
}
