package io.terrarium.cli;

/** Output formats of listing commands ({@code -o/--output}, alias {@code --format}). */
public enum Format { table, json, yaml }
