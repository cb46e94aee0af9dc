package io.terrarium.cli;

/** Output formats of listing commands ({@code --format}). */
public enum Format { table, json, yaml }
