import { type Document, isCollection, isPair, type Node } from 'yaml';

/**
 * The offset of the first mapping or sequence of a parsed YAML document that sits more than `limit`
 * collections deep (the top-level one is the first), or undefined. Walked with an explicit stack: the
 * conversion to plain data and the compiler's checks recurse, so a deep document is refused before them.
 * Aliases are not followed here; what they expand to is measured on the converted value.
 *
 * @example
 * yamlTooDeep(parseDocument('a: [[1]]'), 2); // 4, the inner '['
 */
export function yamlTooDeep(doc: Document, limit: number): number | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { node, depth } = next;
    if (isPair(node)) {
      stack.push({ node: node.key, depth }, { node: node.value, depth });
    } else if (isCollection(node)) {
      if (depth + 1 > limit) return (node as Node).range?.[0] ?? 0;
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    }
  }
  return undefined;
}
