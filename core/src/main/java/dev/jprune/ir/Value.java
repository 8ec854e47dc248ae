package dev.jprune.ir;

import dev.jprune.tensor.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An edge of the graph: the tensor one node produces (or a graph input), with its static shape. A value's shape
 * is re-inferred when the graph changes (pruning), so read it from the value, never cache it.
 */
public final class Value {

    private final int id;
    private final String name;
    private Shape shape;
    private Node producer;
    private final List<Node> consumers = new ArrayList<>();

    Value(int id, String name, Shape shape) {
        this.id = id;
        this.name = name;
        this.shape = shape;
    }

    /** A dense id, unique within the graph, usable as an array index. */
    public int id() {
        return id;
    }

    /** A name for printing and export ({@code layer1.0.conv1:0}, or the graph input's name). */
    public String name() {
        return name;
    }

    /** The current static shape. */
    public Shape shape() {
        return shape;
    }

    void setShape(Shape shape) {
        this.shape = shape;
    }

    /** The node producing this value, or {@code null} for a graph input. */
    public Node producer() {
        return producer;
    }

    void setProducer(Node producer) {
        this.producer = producer;
    }

    /** The nodes reading this value, in graph order (unmodifiable view). */
    public List<Node> consumers() {
        return Collections.unmodifiableList(consumers);
    }

    void addConsumer(Node n) {
        consumers.add(n);
    }

    @Override
    public String toString() {
        return name + shape;
    }
}
