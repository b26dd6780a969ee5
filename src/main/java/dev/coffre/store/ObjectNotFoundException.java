package dev.coffre.store;

import java.io.IOException;

public class ObjectNotFoundException extends IOException {
    public ObjectNotFoundException(String key) {
        super("object not found: " + key);
    }
}
