/**
 * The demo page's listeners, written as a Laravel app writes them in resources/js/app.js: every
 * call is Laravel Echo's documented API, and every event name is the one Laravel broadcasts.
 */
import './bootstrap';

const userId = document.querySelector('meta[name="user-id"]').content;
const userName = document.querySelector('meta[name="user-name"]').content;

/** Appends a line of text (never HTML: event data is not trusted markup) to a list. */
function line(listId, text) {
    const item = document.createElement('li');
    item.textContent = text;
    document.getElementById(listId).append(item);
}

// A public channel. `broadcast(new OrderShipped($order))` without broadcastAs() is sent as the
// class name, "App\Events\OrderShipped"; Echo adds the App\Events namespace to "OrderShipped".
Echo.channel('orders').listen('OrderShipped', (e) => line('orders', `Order ${e.order.id} shipped`));

// A private channel: Echo subscribes to "private-user.<id>", authorised by POST /broadcasting/auth
// against routes/channels.php. An event with broadcastAs() { return 'payment.received'; } is
// listened to with a leading dot, which tells Echo not to add the namespace.
Echo.private(`user.${userId}`)
    .listen('.payment.received', (e) => line('private', `Payment of ${e.amount} received`))
    .error((error) => line('private', `Refused: ${error.status}`));

// A presence channel: who is here, who comes and goes, and whispers (client events) between
// members, which the sender never gets back.
const members = new Map();
function showMembers() {
    document.getElementById('members').textContent = [...members.values()].sort().join(', ');
}
const room = Echo.join('room.1')
    .here((users) => {
        users.forEach((user) => members.set(user.id, user.name));
        showMembers();
    })
    .joining((user) => {
        members.set(user.id, user.name);
        showMembers();
        line('room', `${user.name} joined`);
    })
    .leaving((user) => {
        members.delete(user.id);
        showMembers();
        line('room', `${user.name} left`);
    })
    .listenForWhisper('typing', (e) => line('room', `${e.name} is typing`));

document.getElementById('message').addEventListener('input', () => room.whisper('typing', { name: userName }));

// Stands in for a Laravel route that dispatches OrderShipped (serve.mjs broadcasts it).
document.getElementById('ship').addEventListener('click', () => {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const order = document.getElementById('order').value;
    fetch(`/orders/${encodeURIComponent(order)}/ship`, { method: 'POST', headers: { 'X-CSRF-TOKEN': csrf } });
});
