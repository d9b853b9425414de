package dev.fanout.common.config;

/** A bad setting: the message names the variable and says what is wrong with it. */
public class ConfigException extends RuntimeException {
  public ConfigException(Setting setting, String problem) {
    super(setting.name() + ": " + problem);
  }

  public ConfigException(String message) {
    super(message);
  }
}
