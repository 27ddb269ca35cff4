/**
 * Live chat over the gateway's `/ws` (the SDK's socket): conversations, messages arriving as they
 * are sent, the other person's typing indicator and presence, and read receipts (messages the
 * other person has read say "Read").
 */
import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { ChatMessage, SessionUser } from '@kelmah/sdk'
import { chatSocket, kelmah, unwrap, when } from '../kelmah.js'
import { ErrorLine, eventually, go, useAction, useLoad } from '../ui.js'

interface Conversation {
  id: string
  otherParticipantId: string
  jobId: string | null
  lastMessage: { content?: string } | null
  unreadCount: number
}

export function ChatScreen({ route, me }: { route: string[]; me: SessionUser }): ReactNode {
  const [, a, b] = route
  const list = useLoad(async () => {
    const page = await kelmah.api.GET('/api/chat/conversations', { params: { query: { limit: 50 } } })
    return (page.data as { items: Conversation[] }).items
  }, [a, b])
  const [error, setError] = useState<string>()
  useEffect(() => {
    if (a !== 'with' || !b) return
    // `#/chat/with/<userId>`: open (or make) the conversation with that person.
    eventually(() => kelmah.api.POST('/api/chat/conversations', { body: { participantId: b } })).then(
      (res) => go(`/chat/${unwrap<Conversation>(res.data, 'conversation').id}`, true),
      (err: unknown) => setError(String(err)),
    )
  }, [a, b])
  const openId = a && a !== 'with' ? a : undefined
  const open = list.data?.find((c) => c.id === openId)
  return (
    <main id="main" className="chat">
      <h1>Messages</h1>
      <ErrorLine error={list.error ?? error} />
      <div className="chat-layout">
        <nav aria-label="Conversations">
          <ul className="plain">
            {list.data?.map((c) => (
              <li key={c.id}>
                <a href={`#/chat/${c.id}`} aria-current={c.id === openId ? 'page' : undefined}>
                  {c.jobId ? 'Job chat' : 'Direct'} ·{' '}
                  {c.lastMessage?.content?.slice(0, 40) ?? 'no messages yet'}
                  {c.unreadCount > 0 && <span className="count"> {c.unreadCount} unread</span>}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {openId && <Thread key={openId} conversationId={openId} otherId={open?.otherParticipantId} me={me} />}
      </div>
    </main>
  )
}

function Thread({
  conversationId,
  otherId,
  me,
}: {
  conversationId: string
  otherId: string | undefined
  me: SessionUser
}): ReactNode {
  const [messages, setMessages] = useState<ChatMessage[]>([])
  const [typing, setTyping] = useState(false)
  const [online, setOnline] = useState<string>('unknown')
  const [text, setText] = useState('')
  const typingSent = useRef(0)
  const stopTimer = useRef<ReturnType<typeof setTimeout>>(undefined)
  const bottom = useRef<HTMLLIElement>(null)

  useEffect(() => {
    let live = true
    const socket = chatSocket()
    void kelmah.api
      .GET('/api/chat/conversations/{id}/messages', {
        params: { path: { id: conversationId }, query: { limit: 50 } },
      })
      .then((res) => {
        if (!live) return
        const items = [...(res.data as { items: ChatMessage[] }).items].sort((x, y) =>
          x.createdAt.localeCompare(y.createdAt),
        )
        setMessages(items)
        markRead(items)
      })
    const markRead = (items: ChatMessage[]) => {
      const unread = items.filter((m) => m.senderId !== me.id && !m.readAt).map((m) => m.id)
      if (unread.length) socket.send({ type: 'mark_read', messageIds: unread })
    }
    const add = (m: ChatMessage) =>
      setMessages((prev) => (prev.some((p) => p.id === m.id) ? prev : [...prev, m]))
    const offs = [
      socket.on('new_message', (f) => {
        if (f.conversationId !== conversationId) return
        add(f.message)
        setTyping(false)
        if (document.visibilityState === 'visible') markRead([f.message])
      }),
      socket.on('message_delivered', (f) => f.conversationId === conversationId && add(f.message)),
      socket.on('user_typing', (f) => {
        if (f.from === otherId && (!f.conversationId || f.conversationId === conversationId))
          setTyping(f.isTyping)
      }),
      socket.on('messages_read', (f) =>
        setMessages((prev) =>
          prev.map((m) => (f.messageIds.includes(m.id) ? { ...m, readAt: f.readAt } : m)),
        ),
      ),
      socket.on('presence', (f) => {
        const s = f.users.find((u) => u.userId === otherId)
        if (s) setOnline(s.status)
      }),
      socket.on('hello', () => {
        socket.send({ type: 'join_conversation', conversationId })
        if (otherId) socket.send({ type: 'get_online_status', userIds: [otherId] })
      }),
    ]
    const ask = () => {
      socket.send({ type: 'join_conversation', conversationId })
      if (otherId) socket.send({ type: 'get_online_status', userIds: [otherId] })
    }
    void socket.connected().then(ask, () => undefined)
    const presence = setInterval(
      () => otherId && socket.send({ type: 'get_online_status', userIds: [otherId] }),
      10_000,
    )
    return () => {
      live = false
      clearInterval(presence)
      for (const off of offs) off()
      socket.send({ type: 'leave_conversation', conversationId })
    }
  }, [conversationId, otherId, me.id])

  useEffect(() => {
    // Braces: newer Chromium's scrollIntoView returns a promise, which React would take for a cleanup.
    void bottom.current?.scrollIntoView({ block: 'end' })
  }, [messages.length])

  const onType = (value: string) => {
    setText(value)
    const socket = chatSocket()
    if (Date.now() - typingSent.current > 2_000) {
      socket.send({ type: 'typing_start', conversationId })
      typingSent.current = Date.now()
    }
    clearTimeout(stopTimer.current)
    stopTimer.current = setTimeout(() => {
      socket.send({ type: 'typing_stop', conversationId })
      typingSent.current = 0
    }, 3_000)
  }
  const [send, , error] = useAction(async () => {
    const content = text.trim()
    if (!content) return
    setText('')
    clearTimeout(stopTimer.current)
    chatSocket().send({ type: 'typing_stop', conversationId })
    typingSent.current = 0
    const delivered = await chatSocket().sendMessage({ type: 'send_message', conversationId, content })
    setMessages((prev) =>
      prev.some((p) => p.id === delivered.message.id) ? prev : [...prev, delivered.message],
    )
  })

  return (
    <section className="thread" aria-label="Conversation">
      <p className="presence">
        <span className={`dot dot-${online}`} aria-hidden="true" />{' '}
        {otherId ? `The other person is ${online}` : ''}
      </p>
      <ol className="messages" aria-label="Messages" aria-live="polite">
        {messages.map((m) => (
          <li key={m.id} className={m.senderId === me.id ? 'mine' : 'theirs'}>
            <span className="content">{m.content}</span>
            <span className="meta">
              {when(m.createdAt)}
              {m.senderId === me.id && <> · {m.readAt ? 'Read' : 'Delivered'}</>}
            </span>
          </li>
        ))}
        <li ref={bottom} aria-hidden="true" className="end" />
      </ol>
      <p className="typing" role="status">
        {typing ? 'Typing…' : ''}
      </p>
      <form
        className="composer"
        aria-label="Write a message"
        onSubmit={(e) => {
          e.preventDefault()
          void send()
        }}
      >
        <label className="grow">
          Message
          <input value={text} onChange={(e) => onType(e.target.value)} autoComplete="off" />
        </label>
        <button type="submit">Send</button>
      </form>
      <ErrorLine error={error} />
    </section>
  )
}
