package dev.jprune.ir.axis;

/**
 * An op cannot couple or remove indices along the requested axis (a spatial axis of a convolution, a reshape that
 * mixes the axis with others in a way no slice can follow). The message names the op, node and axis.
 */
public class UnsupportedAxisException extends RuntimeException {

    public UnsupportedAxisException(String message) {
        super(message);
    }
}
