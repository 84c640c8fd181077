import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');

/** README.md and every guide in docs/. */
function markdownFiles(): string[] {
  const docs = fs.readdirSync(path.join(root, 'docs')).filter((name) => name.endsWith('.md'));
  return ['README.md', ...docs.map((name) => `docs/${name}`)];
}

/** The text outside fenced code blocks and inline code, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor of a heading: lower case, markup and punctuation dropped, spaces to hyphens. */
export function slugOf(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a Markdown file offers: its headings (numbered when repeated, as GitHub does) and explicit ids. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = slugOf(heading!);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const [, id] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id!);
  return anchors;
}

/** The relative links of a Markdown file: `[text](target)` and `![alt](target)`, outside code. */
function relativeLinksOf(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map(([, target]) => target!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('links in README.md and docs/*.md', () => {
  it('slugOf turns headings into the anchors GitHub generates', () => {
    expect(slugOf('`request(socket, target, options)`')).toBe('requestsocket-target-options');
    expect(slugOf('Hot or cold, at a glance')).toBe('hot-or-cold-at-a-glance');
    expect(slugOf('Beyond one machine — on paper')).toBe('beyond-one-machine--on-paper');
  });

  it.each(markdownFiles())('every relative link of %s reaches a file, and its #anchor a heading of that file', (file) => {
    const markdown = fs.readFileSync(path.join(root, file), 'utf8');
    const broken: string[] = [];
    for (const link of relativeLinksOf(markdown)) {
      const [target, anchor] = link.split('#') as [string, string | undefined];
      const resolved = target === '' ? path.join(root, file) : path.resolve(path.dirname(path.join(root, file)), decodeURI(target));
      if (!fs.existsSync(resolved)) {
        broken.push(`${link} (no such file)`);
      } else if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(fs.readFileSync(resolved, 'utf8')).has(anchor)) {
        broken.push(`${link} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README links every recipe in examples/ directly, one click away', () => {
    const links = new Set(relativeLinksOf(fs.readFileSync(path.join(root, 'README.md'), 'utf8')));
    const unlinked = fs
      .readdirSync(path.join(root, 'examples'), { recursive: true, encoding: 'utf8' })
      .filter((name) => /\.tsx?$/.test(name))
      .map((name) => `examples/${name.split(path.sep).join('/')}`)
      .filter((file) => !links.has(file));
    expect(unlinked).toEqual([]);
  });

  it('the README links every guide in docs/', () => {
    const links = new Set(relativeLinksOf(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).map((link) => link.split('#')[0]));
    expect(markdownFiles().filter((file) => file !== 'README.md' && !links.has(file))).toEqual([]);
  });

  it('the README lists each guide once: one bullet per docs/*.md', () => {
    const bullets = fs
      .readFileSync(path.join(root, 'README.md'), 'utf8')
      .split('\n')
      .map((line) => /^- \[[^\]]+\]\((docs\/[^)#]+\.md)\)/.exec(line)?.[1])
      .filter((guide): guide is string => guide !== undefined);
    expect(bullets.filter((guide, i) => bullets.indexOf(guide) !== i)).toEqual([]);
  });
});

describe('stray text in the guides', () => {
  it('no line of prose in docs/*.md is a lone closing bracket or parenthesis (left by an edit)', () => {
    const stray = markdownFiles()
      .filter((file) => file.startsWith('docs/'))
      .flatMap((file) =>
        prose(fs.readFileSync(path.join(root, file), 'utf8'))
          .split('\n')
          .filter((line) => /^[)\]]+[.,;:]?\s*$/.test(line))
          .map((line) => `${file}: ${line}`),
      );
    expect(stray).toEqual([]);
  });
});

describe('recipes run in CI', () => {
  it('every file in examples/ is named by a spec that runs it', () => {
    const specs = fs
      .readdirSync(path.join(root, 'spec'), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.spec.ts'))
      .map((name) => fs.readFileSync(path.join(root, 'spec', name), 'utf8'))
      .join('\n');
    const unrun = fs
      .readdirSync(path.join(root, 'examples'))
      .filter((name) => name.endsWith('.ts'))
      .filter((name) => !specs.includes(`examples/${name.replace(/\.ts$/, '')}`));
    expect(unrun).toEqual([]);
  });
});
