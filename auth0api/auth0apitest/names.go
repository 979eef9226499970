package auth0apitest

// Name lists for seeded users: common given and family names from many
// countries, so that searches by name find realistic clusters.
var givenNames = []string{
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
	"David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
	"Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Ava", "Elijah", "Sophia", "Lucas",
	"Mia", "Mateo", "Isabella", "Leo", "Charlotte", "Hugo", "Chloé", "Louis", "Léa", "Jules",
	"Hannah", "Lukas", "Lena", "Finn", "Marie", "Jonas", "Sofia", "Matteo", "Giulia", "Lorenzo",
	"Aiko", "Haruto", "Yui", "Sota", "Mei", "Wei", "Li", "Jun", "Min-jun", "Seo-yeon",
	"Aarav", "Ananya", "Vihaan", "Diya", "Arjun", "Priya", "Kwame", "Ama", "Chinedu", "Ngozi",
	"Santiago", "Valentina", "Diego", "Camila", "Ingrid", "Lars", "Freya", "Astrid", "Mikko", "Aino",
	"Zoë", "Ivan", "Olga", "Dmitri", "Anna", "Piotr", "Zofia", "Omar", "Layla", "Yusuf",
}

var familyNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Dubois", "Moreau",
	"Laurent", "Lefèvre", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Sato", "Suzuki",
	"Takahashi", "Tanaka", "Watanabe", "Wang", "Zhang", "Liu", "Chen", "Kim", "Park", "Choi",
	"Patel", "Sharma", "Singh", "Kumar", "Mensah", "Okafor", "Adeyemi", "Silva", "Santos", "Oliveira",
	"Pereira", "Costa", "Andersson", "Johansson", "Nielsen", "Hansen", "Virtanen", "Korhonen", "Novak", "Kowalski",
	"Nowak", "Ivanov", "Petrov", "Popescu", "Horvat", "Yilmaz", "Kaya", "Haddad", "Khan", "O'Brien",
}

// emailDomains are the domains of seeded database users.
var emailDomains = []string{"example.com", "mail.example", "example.org", "corp.example", "example.net"}

var cities = []struct{ city, country, code, tz string }{
	{"London", "United Kingdom", "GB", "Europe/London"},
	{"Paris", "France", "FR", "Europe/Paris"},
	{"Berlin", "Germany", "DE", "Europe/Berlin"},
	{"New York", "United States", "US", "America/New_York"},
	{"San Francisco", "United States", "US", "America/Los_Angeles"},
	{"Tokyo", "Japan", "JP", "Asia/Tokyo"},
	{"São Paulo", "Brazil", "BR", "America/Sao_Paulo"},
	{"Lagos", "Nigeria", "NG", "Africa/Lagos"},
	{"Bengaluru", "India", "IN", "Asia/Kolkata"},
	{"Sydney", "Australia", "AU", "Australia/Sydney"},
}

var userAgents = []string{
	"Chrome 131.0.0 / Windows 10.0.0",
	"Safari 18.1.0 / Mac OS X 10.15.7",
	"Firefox 133.0.0 / Ubuntu 0.0.0",
	"Mobile Safari 18.1.0 / iOS 18.1.0",
	"Chrome Mobile 131.0.0 / Android 14.0.0",
	"Edge 131.0.0 / Windows 10.0.0",
}
