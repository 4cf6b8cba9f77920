"""Dynamic int8 quantisation of onnx/model.onnx -> onnx/model_quantized.onnx with python3-onnx only (Debian has no
onnxruntime quantiser): every MatMul with a constant 2-D weight becomes DynamicQuantizeLinear(activation) ->
MatMulInteger(int8 weights, symmetric per output column) -> Cast(float) -> Mul(activation scale * weight scales).
The embedding table (a Gather) is stored as float16 and cast back to float32 in the graph, halving its size."""
from __future__ import annotations

import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto


def quantize(src: str, dst: str) -> dict:
    m = onnx.load(src)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    new_nodes, drop, add_inits = [], set(), []
    n_q = 0
    for node in g.node:
        if node.op_type == "MatMul" and node.input[1] in inits and len(inits[node.input[1]].dims) == 2:
            w = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
            scale = np.maximum(np.abs(w).max(0), 1e-8) / 127.0
            wq = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
            base = node.input[1].replace("/", "_").replace(".", "_") + f"_q{n_q}"
            add_inits += [numpy_helper.from_array(wq, base + "_int8"),
                          numpy_helper.from_array(scale.astype(np.float32), base + "_scale"),
                          numpy_helper.from_array(np.array(0, dtype=np.int8), base + "_zp")]
            drop.add(node.input[1])
            x = node.input[0]
            new_nodes += [
                helper.make_node("DynamicQuantizeLinear", [x], [base + "_xq", base + "_xs", base + "_xz"]),
                helper.make_node("MatMulInteger", [base + "_xq", base + "_int8", base + "_xz", base + "_zp"],
                                 [base + "_i32"]),
                helper.make_node("Cast", [base + "_i32"], [base + "_f"], to=TensorProto.FLOAT),
                helper.make_node("Mul", [base + "_xs", base + "_scale"], [base + "_s"]),
                helper.make_node("Mul", [base + "_f", base + "_s"], [node.output[0]]),
            ]
            n_q += 1
        elif node.op_type == "Gather" and node.input[0] in inits and len(inits[node.input[0]].dims) == 2 \
                and inits[node.input[0]].dims[0] > 1000:
            w = numpy_helper.to_array(inits[node.input[0]])
            name16 = node.input[0] + "_fp16"
            add_inits.append(numpy_helper.from_array(w.astype(np.float16), name16))
            drop.add(node.input[0])
            new_nodes += [helper.make_node("Gather", [name16, node.input[1]], [node.output[0] + "_h"],
                                           **{a.name: helper.get_attribute_value(a) for a in node.attribute}),
                          helper.make_node("Cast", [node.output[0] + "_h"], [node.output[0]], to=TensorProto.FLOAT)]
        else:
            new_nodes.append(node)
    still_used = {i for n in new_nodes for i in n.input}
    keep = [i for i in g.initializer if i.name not in drop or i.name in still_used]
    del g.node[:]
    g.node.extend(new_nodes)
    del g.initializer[:]
    g.initializer.extend(keep + add_inits)
    onnx.checker.check_model(m)
    onnx.save(m, dst)
    return {"quantized_matmuls": n_q}


if __name__ == "__main__":
    print(quantize(sys.argv[1], sys.argv[2]))
