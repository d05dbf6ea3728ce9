import { useState } from 'react';
import { Tree } from 'antd';
import type { DataNode, EventDataNode } from 'antd/es/tree';
import type { CodeValue } from './api';
import { fetchChildren } from './api';

function node(v: CodeValue, leaf: boolean): DataNode {
  return { key: v.code, title: `${v.code} ${v.label}`, isLeaf: leaf };
}

/**
 * GB/T 2260 as a tree by parent code: provinces first, each level fetched when opened
 * (`?parent=`), so the 3,000-odd divisions never load at once.
 */
export function RegionTree({ tableId, roots }: { tableId: string; roots: CodeValue[] }) {
  const [tree, setTree] = useState<DataNode[]>(() => roots.map((v) => node(v, false)));

  const load = async (target: EventDataNode<DataNode>) => {
    if (target.children) return;
    const children = await fetchChildren(tableId, String(target.key));
    // County-level codes (no trailing "00") have no subdivisions.
    const kids = children.map((c) => node(c, !c.code.endsWith('00')));
    const attach = (nodes: DataNode[]): DataNode[] =>
      nodes.map((n) =>
        n.key === target.key
          ? { ...n, children: kids, isLeaf: kids.length === 0 }
          : n.children
            ? { ...n, children: attach(n.children) }
            : n,
      );
    setTree((current) => attach(current));
  };

  return <Tree treeData={tree} loadData={load} height={520} data-testid="region-tree" />;
}
